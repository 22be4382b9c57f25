//! A static k-d tree over points (minimization space) answering dominance queries with
//! bounding-box pruning: a subtree whose lower corner is worse than the query in some
//! objective holds no dominator; a subtree whose upper corner is weakly better everywhere holds
//! only dominators. On points that all lie on one front, a query touches O(log n) cells per
//! level band instead of scanning the front, which is what makes first-front masks fast in
//! the worst case.
//!
//! Memory: the tree never holds an f64 copy of the points. It keeps each value rounded down to
//! f32 (half the input's size) in tree order, and u32 ids. A rounded-down value greater than the
//! query's proves "not a dominator", which settles nearly every candidate; the exact row is read
//! through the caller's accessor only for a candidate that passes, and such a candidate is
//! almost always a real dominator, which ends the query.

use rayon::prelude::*;

const LEAF: usize = 16;
const NONE: u32 = u32::MAX;
/// Subtrees at least this big are built in parallel.
const PAR_BUILD: usize = 1 << 14;

#[derive(Clone, Copy, Default)]
struct Node {
    /// Tree positions `start..end`.
    start: u32,
    end: u32,
    /// Right child (the left child is the next node); `NONE` for a leaf.
    right: u32,
    /// A leaf whose points are all exactly equal (many duplicates): decided by one exact row.
    same: bool,
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

/// The largest f32 that is <= `v`.
#[inline]
fn round_down(v: f64) -> f32 {
    let f = v as f32;
    if f as f64 > v {
        f.next_down()
    } else {
        f
    }
}

/// Nodes of a subtree over `len` points (the layout reserves them even where a node ends up a
/// leaf early, so every subtree owns a contiguous block and halves can be built in parallel).
fn node_count(len: usize) -> usize {
    if len <= LEAF {
        1
    } else {
        1 + node_count(len / 2) + node_count(len - len / 2)
    }
}

/// Per-query scratch space; one per thread.
pub struct Scratch {
    stack: Vec<u32>,
    row: Vec<f64>,
}

/// Point `i` of the caller, in minimization space, written into the buffer.
pub trait RowAccess: Fn(usize, &mut [f64]) + Sync {}
impl<F: Fn(usize, &mut [f64]) + Sync> RowAccess for F {}

pub struct KdTree<R> {
    m: usize,
    row: R,
    /// Tree position -> caller's point id.
    id: Vec<u32>,
    /// Points in tree order, row-major, each value rounded down to f32.
    low: Vec<f32>,
    nodes: Vec<Node>,
    /// Bounding boxes, `m` values per node: `lo` <= every value below the node <= `hi`.
    lo: Vec<f32>,
    hi: Vec<f32>,
}

/// The slices one subtree owns while it is built.
struct Part<'a> {
    id: &'a mut [u32],
    low: &'a mut [f32],
    nodes: &'a mut [Node],
    lo: &'a mut [f32],
    hi: &'a mut [f32],
    /// Global index of `nodes[0]` and tree position of `id[0]`.
    node0: usize,
    pos0: usize,
}

impl<R: RowAccess> KdTree<R> {
    /// Build over the caller's points `ids` (each read once through `row`, `m` columns).
    pub fn build(ids: Vec<u32>, m: usize, row: R) -> Self {
        let n = ids.len();
        let m = m.max(1);
        let mut low = vec![0f32; n * m];
        low.par_chunks_mut(m)
            .zip(ids.par_iter())
            .with_min_len(1024)
            .for_each_init(
                || vec![0.0; m],
                |buf, (out, &i)| {
                    row(i as usize, buf);
                    for (o, &v) in out.iter_mut().zip(buf.iter()) {
                        *o = round_down(v);
                    }
                },
            );
        let count = if n == 0 { 0 } else { node_count(n) };
        let mut t = KdTree {
            m,
            row,
            id: ids,
            low,
            nodes: vec![Node::default(); count],
            lo: vec![0.0; count * m],
            hi: vec![0.0; count * m],
        };
        if n > 0 {
            let part = Part {
                id: &mut t.id,
                low: &mut t.low,
                nodes: &mut t.nodes,
                lo: &mut t.lo,
                hi: &mut t.hi,
                node0: 0,
                pos0: 0,
            };
            split(part, m, &t.row);
        }
        t
    }

    pub fn scratch(&self) -> Scratch {
        Scratch {
            stack: Vec::new(),
            row: vec![0.0; self.m],
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Caller's id of tree position `t`.
    pub fn id(&self, t: usize) -> u32 {
        self.id[t]
    }

    #[inline(always)]
    fn low_row(&self, t: usize) -> &[f32] {
        &self.low[t * self.m..(t + 1) * self.m]
    }

    /// Could point `t` be weakly better than `q` everywhere? (False proves it is not.)
    #[inline(always)]
    fn maybe_leq(&self, t: usize, q: &[f64]) -> bool {
        self.low_row(t).iter().zip(q).all(|(&a, &b)| a as f64 <= b)
    }

    #[inline(always)]
    fn boxes(&self, nd: usize) -> (&[f32], &[f32]) {
        let m = self.m;
        (
            &self.lo[nd * m..(nd + 1) * m],
            &self.hi[nd * m..(nd + 1) * m],
        )
    }

    /// Does some point of the tree, other than tree position `skip`, dominate `q`?
    /// (Duplicates of `q` do not.)
    pub fn has_dominator(&self, q: &[f64], skip: u32, s: &mut Scratch) -> bool {
        self.find_better::<true>(q, skip, s)
    }

    /// Is some point of the tree weakly better than `q` everywhere?
    pub fn any_leq(&self, q: &[f64], s: &mut Scratch) -> bool {
        self.find_better::<false>(q, NONE, s)
    }

    /// Is some point other than tree position `skip` better than `q`: dominating it
    /// (`STRICT`) or weakly better everywhere?
    fn find_better<const STRICT: bool>(&self, q: &[f64], skip: u32, s: &mut Scratch) -> bool {
        let better = |p: &[f64]| {
            if STRICT {
                super::dominates(p, q)
            } else {
                super::weakly_dominates(p, q)
            }
        };
        if self.nodes.is_empty() {
            return false;
        }
        s.stack.clear();
        s.stack.push(0);
        while let Some(nd) = s.stack.pop() {
            let node = self.nodes[nd as usize];
            let (lo, hi) = self.boxes(nd as usize);
            if lo.iter().zip(q).any(|(&a, &b)| a as f64 > b) {
                continue;
            }
            // Every point here is <= q everywhere (and < q somewhere). Never true of the node
            // holding `skip`: the upper bound of q's own values is above q everywhere.
            if hi.iter().zip(q).all(|(&a, &b)| a as f64 <= b)
                && (!STRICT || hi.iter().zip(q).any(|(&a, &b)| (a as f64) < b))
            {
                return true;
            }
            if node.same {
                (self.row)(self.id[node.start as usize] as usize, &mut s.row);
                if better(&s.row) {
                    return true;
                }
                continue;
            }
            if node.right == NONE {
                for t in node.start..node.end {
                    if t != skip && self.maybe_leq(t as usize, q) {
                        (self.row)(self.id[t as usize] as usize, &mut s.row);
                        if better(&s.row) {
                            return true;
                        }
                    }
                }
            } else {
                // Lower half first: dominators have small values.
                s.stack.push(node.right);
                s.stack.push(nd + 1);
            }
        }
        false
    }

    /// First-front mask of length `len`, true at the ids of the points no other point of the
    /// tree dominates (duplicates share a front). Parallel over queries.
    pub fn front_mask(&self, len: usize) -> Vec<bool> {
        let keep: Vec<bool> = (0..self.len())
            .into_par_iter()
            .with_min_len(1024)
            .map_init(
                || (self.scratch(), vec![0.0; self.m]),
                |(s, q), t| {
                    (self.row)(self.id[t] as usize, q);
                    !self.has_dominator(q, t as u32, s)
                },
            )
            .collect();
        let mut out = vec![false; len];
        for (t, &k) in keep.iter().enumerate() {
            out[self.id[t] as usize] = k;
        }
        out
    }

    /// All-front ranks by caller id. The ids must be `0..len` for distinct points in
    /// lexicographic order (every dominator before the points it dominates); rank = 1 + the best
    /// rank among dominators, found with subtree maxima so whole subtrees are settled without
    /// visiting them.
    pub fn ranks(&self) -> Vec<u32> {
        let n = self.len();
        let mut pos = vec![0u32; n];
        for (t, &i) in self.id.iter().enumerate() {
            pos[i as usize] = t as u32;
        }
        let mut best_in: Vec<i64> = vec![-1; self.nodes.len()];
        // Rank by tree position; UNRANKED until the point's turn.
        const UNRANKED: u32 = u32::MAX;
        let mut rank_at: Vec<u32> = vec![UNRANKED; n];
        let mut out = vec![0u32; n];
        let mut s = self.scratch();
        let mut q = vec![0.0; self.m];
        for (u, &p) in pos.iter().enumerate() {
            (self.row)(u, &mut q);
            let mut best: i64 = -1;
            s.stack.clear();
            s.stack.push(0);
            while let Some(nd) = s.stack.pop() {
                let ndu = nd as usize;
                if best_in[ndu] <= best {
                    continue;
                }
                let (lo, hi) = self.boxes(ndu);
                if lo.iter().zip(&q).any(|(&a, &b)| a as f64 > b) {
                    continue;
                }
                if hi.iter().zip(&q).all(|(&a, &b)| a as f64 <= b) {
                    // Every ranked point here is weakly better everywhere and distinct from q.
                    best = best_in[ndu];
                    continue;
                }
                let node = self.nodes[ndu];
                if node.right == NONE {
                    for t in node.start..node.end {
                        let r = rank_at[t as usize];
                        let r = if r == UNRANKED { -1 } else { r as i64 };
                        if r > best && self.maybe_leq(t as usize, &q) {
                            (self.row)(self.id[t as usize] as usize, &mut s.row);
                            if super::weakly_dominates(&s.row, &q) {
                                best = r;
                            }
                        }
                    }
                } else {
                    let (l, r) = (nd + 1, node.right);
                    // Visit the subtree with the better bound first: it raises `best` sooner.
                    if best_in[l as usize] >= best_in[r as usize] {
                        s.stack.push(r);
                        s.stack.push(l);
                    } else {
                        s.stack.push(l);
                        s.stack.push(r);
                    }
                }
            }
            let r = best + 1;
            out[u] = r as u32;
            rank_at[p as usize] = r as u32;
            // Raise the maxima on the path from the root to p's leaf.
            let mut nd = 0usize;
            loop {
                best_in[nd] = best_in[nd].max(r);
                let node = self.nodes[nd];
                if node.right == NONE {
                    break;
                }
                nd = if p < self.nodes[nd + 1].end {
                    nd + 1
                } else {
                    node.right as usize
                };
            }
        }
        out
    }
}

/// Build the subtree that owns `part`: box, split dimension, median split, children.
fn split<R: RowAccess>(part: Part<'_>, m: usize, row: &R) {
    let Part {
        id,
        low,
        nodes,
        lo,
        hi,
        node0,
        pos0,
    } = part;
    let len = id.len();
    let (lo_box, rest_lo) = lo.split_at_mut(m);
    let (hi_box, rest_hi) = hi.split_at_mut(m);
    lo_box.fill(f32::INFINITY);
    hi_box.fill(f32::NEG_INFINITY);
    for r in low.chunks_exact(m) {
        for j in 0..m {
            lo_box[j] = lo_box[j].min(r[j]);
            hi_box[j] = hi_box[j].max(r[j]);
        }
    }
    let dim = (0..m)
        .max_by(|&a, &b| {
            let sa = spread(lo_box[a] as f64, hi_box[a] as f64);
            sa.total_cmp(&spread(lo_box[b] as f64, hi_box[b] as f64))
        })
        .unwrap_or(0);
    let flat = spread(lo_box[dim] as f64, hi_box[dim] as f64) <= 0.0;
    // Rounded-down maxima bound the values from below; one f32 step up bounds them from above.
    for h in hi_box.iter_mut() {
        *h = h.next_up();
    }
    // `node_count` reserves at least one node for every subtree.
    let Some((node, children)) = nodes.split_first_mut() else {
        return;
    };
    *node = Node {
        start: pos0 as u32,
        end: (pos0 + len) as u32,
        right: NONE,
        same: false,
    };
    if len <= LEAF || flat {
        if flat && len > LEAF {
            node.same = all_equal(id, m, row);
        }
        return;
    }
    let mid = len / 2;
    select_rows(id, low, m, mid, dim);
    let left_nodes = node_count(mid);
    node.right = (node0 + 1 + left_nodes) as u32;
    let (id_l, id_r) = id.split_at_mut(mid);
    let (low_l, low_r) = low.split_at_mut(mid * m);
    let (nodes_l, nodes_r) = children.split_at_mut(left_nodes);
    let (lo_l, lo_r) = rest_lo.split_at_mut(left_nodes * m);
    let (hi_l, hi_r) = rest_hi.split_at_mut(left_nodes * m);
    let left = Part {
        id: id_l,
        low: low_l,
        nodes: nodes_l,
        lo: lo_l,
        hi: hi_l,
        node0: node0 + 1,
        pos0,
    };
    let right = Part {
        id: id_r,
        low: low_r,
        nodes: nodes_r,
        lo: lo_r,
        hi: hi_r,
        node0: node0 + 1 + left_nodes,
        pos0: pos0 + mid,
    };
    if len >= PAR_BUILD {
        rayon::join(|| split(left, m, row), || split(right, m, row));
    } else {
        split(left, m, row);
        split(right, m, row);
    }
}

/// Are the exact rows of all these points equal?
fn all_equal<R: RowAccess>(id: &[u32], m: usize, row: &R) -> bool {
    let (mut first, mut other) = (vec![0.0; m], vec![0.0; m]);
    row(id[0] as usize, &mut first);
    id[1..].iter().all(|&i| {
        row(i as usize, &mut other);
        first == other
    })
}

/// Reorder rows (ids and their `m` values together) so that row `k` holds the k-th smallest
/// value in column `dim`, smaller-or-equal rows before it and larger-or-equal after it.
/// Quickselect with Hoare partitions (balanced on ties) around a median of three pseudo-random
/// rows; rows move in place, so no index array is needed.
fn select_rows(id: &mut [u32], low: &mut [f32], m: usize, k: usize, dim: usize) {
    let key = |low: &[f32], i: usize| low[i * m + dim];
    let swap = |id: &mut [u32], low: &mut [f32], a: usize, b: usize| {
        if a != b {
            id.swap(a, b);
            for j in 0..m {
                low.swap(a * m + j, b * m + j);
            }
        }
    };
    let mut seed = (id.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |span: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % span as u64) as usize
    };
    let (mut a, mut b) = (0usize, id.len());
    while b - a > 1 {
        let span = b - a;
        let (x, y, z) = (a + next(span), a + next(span), a + next(span));
        let (kx, ky, kz) = (key(low, x), key(low, y), key(low, z));
        let med = if (kx <= ky) == (ky <= kz) {
            y
        } else if (ky <= kx) == (kx <= kz) {
            x
        } else {
            z
        };
        // The pivot sits in the middle, as Hoare's scheme needs to always split.
        let c = a + (span - 1) / 2;
        swap(id, low, med, c);
        let p = key(low, c);
        let (mut i, mut j) = (a, b - 1);
        loop {
            while key(low, i) < p {
                i += 1;
            }
            while key(low, j) > p {
                j -= 1;
            }
            if i >= j {
                break;
            }
            swap(id, low, i, j);
            i += 1;
            j -= 1;
        }
        // Rows a..=j are <= p, rows j+1..b are >= p, and both sides are non-empty.
        if k <= j {
            b = j + 1;
        } else {
            a = j + 1;
        }
    }
}
