//! A static k-d tree over distinct points (minimization space) answering dominance queries
//! with bounding-box pruning: a subtree whose lower corner is worse than the query in some
//! objective holds no dominator; a subtree whose upper corner is weakly better everywhere holds
//! only dominators. On points that all lie on one front, a query touches O(log n) cells per
//! level band instead of scanning the front, which is what makes first-front masks fast in
//! the worst case.

use rayon::prelude::*;

const LEAF: usize = 16;
const NONE: u32 = u32::MAX;

struct Node {
    start: u32,
    end: u32,
    left: u32,
    right: u32,
    parent: u32,
}

/// Width of a range; `inf - inf` (all values worst) counts as no spread.
fn spread(lo: f64, hi: f64) -> f64 {
    let s = hi - lo;
    if s.is_nan() {
        0.0
    } else {
        s
    }
}

pub struct KdTree {
    m: usize,
    /// Points in tree order, row-major.
    pts: Vec<f64>,
    /// Tree position -> caller's point index.
    id: Vec<u32>,
    /// Caller's point index -> tree position.
    pos: Vec<u32>,
    nodes: Vec<Node>,
    /// Bounding boxes, `m` values per node.
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// Leaf node of each tree position.
    leaf_of: Vec<u32>,
}

impl KdTree {
    /// Build over `pts` (row-major, `m` columns). The points must be distinct for the
    /// dominance queries to be exact.
    pub fn build(pts: &[f64], m: usize) -> Self {
        let n = pts.len().checked_div(m).unwrap_or(0);
        let mut id: Vec<u32> = (0..n as u32).collect();
        let mut t = KdTree {
            m,
            pts: Vec::new(),
            id: Vec::new(),
            pos: vec![0; n],
            nodes: Vec::with_capacity(2 * n / LEAF + 2),
            lo: Vec::new(),
            hi: Vec::new(),
            leaf_of: vec![0; n],
        };
        if n > 0 {
            t.split(pts, &mut id, 0, n, NONE);
        }
        let mut tp = Vec::with_capacity(n * m);
        for &i in &id {
            tp.extend_from_slice(&pts[i as usize * m..(i as usize + 1) * m]);
        }
        for (p, &i) in id.iter().enumerate() {
            t.pos[i as usize] = p as u32;
        }
        t.pts = tp;
        t.id = id;
        t
    }

    fn split(&mut self, pts: &[f64], id: &mut [u32], start: usize, end: usize, parent: u32) -> u32 {
        let m = self.m;
        let me = self.nodes.len() as u32;
        self.nodes.push(Node {
            start: start as u32,
            end: end as u32,
            left: NONE,
            right: NONE,
            parent,
        });
        let (mut lo, mut hi) = (vec![f64::INFINITY; m], vec![f64::NEG_INFINITY; m]);
        for &i in &id[start..end] {
            let row = &pts[i as usize * m..(i as usize + 1) * m];
            for j in 0..m {
                lo[j] = lo[j].min(row[j]);
                hi[j] = hi[j].max(row[j]);
            }
        }
        let dim = (0..m)
            .max_by(|&a, &b| spread(lo[a], hi[a]).total_cmp(&spread(lo[b], hi[b])))
            .unwrap_or(0);
        let spread = spread(lo[dim], hi[dim]);
        self.lo.extend_from_slice(&lo);
        self.hi.extend_from_slice(&hi);
        if end - start <= LEAF || spread.is_nan() || spread <= 0.0 {
            for p in start..end {
                self.leaf_of[p] = me;
            }
            return me;
        }
        let mid = (end - start) / 2;
        id[start..end].select_nth_unstable_by(mid, |&a, &b| {
            pts[a as usize * m + dim]
                .total_cmp(&pts[b as usize * m + dim])
                .then(a.cmp(&b))
        });
        let l = self.split(pts, id, start, start + mid, me);
        let r = self.split(pts, id, start + mid, end, me);
        self.nodes[me as usize].left = l;
        self.nodes[me as usize].right = r;
        me
    }

    #[inline(always)]
    fn row(&self, p: usize) -> &[f64] {
        &self.pts[p * self.m..(p + 1) * self.m]
    }

    /// Is some point other than tree position `skip` weakly better than `q` everywhere?
    /// (With distinct points, that is "is `q` dominated".)
    pub fn any_leq(&self, q: &[f64], skip: u32, stack: &mut Vec<u32>) -> bool {
        let m = self.m;
        if self.nodes.is_empty() {
            return false;
        }
        stack.clear();
        stack.push(0);
        while let Some(nd) = stack.pop() {
            let node = &self.nodes[nd as usize];
            let lo = &self.lo[nd as usize * m..(nd as usize + 1) * m];
            if lo.iter().zip(q).any(|(a, b)| a > b) {
                continue;
            }
            let hi = &self.hi[nd as usize * m..(nd as usize + 1) * m];
            let count = node.end - node.start;
            if hi.iter().zip(q).all(|(a, b)| a <= b) {
                let holds_skip = skip >= node.start && skip < node.end;
                if count >= 2 || !holds_skip {
                    return true;
                }
                continue;
            }
            if node.left == NONE {
                for p in node.start..node.end {
                    if p != skip && super::weakly_dominates(self.row(p as usize), q) {
                        return true;
                    }
                }
            } else {
                // Lower half first: dominators have small values.
                stack.push(node.right);
                stack.push(node.left);
            }
        }
        false
    }

    /// Does some point of the tree dominate `q`? (Duplicates of `q` do not.)
    pub fn has_dominator(&self, q: &[f64], stack: &mut Vec<u32>) -> bool {
        let m = self.m;
        if self.nodes.is_empty() {
            return false;
        }
        stack.clear();
        stack.push(0);
        while let Some(nd) = stack.pop() {
            let node = &self.nodes[nd as usize];
            let lo = &self.lo[nd as usize * m..(nd as usize + 1) * m];
            if lo.iter().zip(q).any(|(a, b)| a > b) {
                continue;
            }
            let hi = &self.hi[nd as usize * m..(nd as usize + 1) * m];
            if hi.iter().zip(q).all(|(a, b)| a <= b) {
                // Every point here is <= q; unless all of them equal q, one dominates it.
                if lo.iter().zip(q).any(|(a, b)| a < b) {
                    return true;
                }
                continue;
            }
            if node.left == NONE {
                for p in node.start..node.end {
                    if super::dominates(self.row(p as usize), q) {
                        return true;
                    }
                }
            } else {
                stack.push(node.right);
                stack.push(node.left);
            }
        }
        false
    }

    /// First-front mask, indexed like the caller's points. Parallel over queries.
    pub fn front(&self) -> Vec<bool> {
        let n = self.id.len();
        let by_pos: Vec<bool> = (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .map_init(Vec::new, |stack, p| {
                !self.any_leq(self.row(p), p as u32, stack)
            })
            .collect();
        let mut out = vec![false; n];
        for (p, &f) in by_pos.iter().enumerate() {
            out[self.id[p] as usize] = f;
        }
        out
    }

    /// All-front ranks. The caller's points must be in lexicographic order (every dominator
    /// before the points it dominates); rank = 1 + the best rank among dominators, found with
    /// subtree maxima so whole subtrees are settled without visiting them.
    pub fn ranks(&self) -> Vec<u32> {
        let n = self.id.len();
        let m = self.m;
        let mut best_in: Vec<i64> = vec![-1; self.nodes.len()];
        let mut rank_at: Vec<i64> = vec![-1; n];
        let mut out = vec![0u32; n];
        let mut stack: Vec<u32> = Vec::new();
        for (u, &pos) in self.pos.iter().enumerate() {
            let p = pos as usize;
            let q = self.row(p);
            let mut best: i64 = -1;
            stack.clear();
            stack.push(0);
            while let Some(nd) = stack.pop() {
                let ndu = nd as usize;
                if best_in[ndu] <= best {
                    continue;
                }
                let lo = &self.lo[ndu * m..(ndu + 1) * m];
                if lo.iter().zip(q).any(|(a, b)| a > b) {
                    continue;
                }
                let hi = &self.hi[ndu * m..(ndu + 1) * m];
                if hi.iter().zip(q).all(|(a, b)| a <= b) {
                    // Every ranked point here is weakly better everywhere and distinct from q.
                    best = best_in[ndu];
                    continue;
                }
                let node = &self.nodes[ndu];
                if node.left == NONE {
                    for t in node.start..node.end {
                        let r = rank_at[t as usize];
                        if r > best && super::weakly_dominates(self.row(t as usize), q) {
                            best = r;
                        }
                    }
                } else {
                    let (l, r) = (node.left, node.right);
                    // Visit the subtree with the better bound first: it raises `best` sooner.
                    if best_in[l as usize] >= best_in[r as usize] {
                        stack.push(r);
                        stack.push(l);
                    } else {
                        stack.push(l);
                        stack.push(r);
                    }
                }
            }
            let r = best + 1;
            out[u] = r as u32;
            rank_at[p] = r;
            let mut nd = self.leaf_of[p];
            while nd != NONE && best_in[nd as usize] < r {
                best_in[nd as usize] = r;
                nd = self.nodes[nd as usize].parent;
            }
        }
        out
    }
}
