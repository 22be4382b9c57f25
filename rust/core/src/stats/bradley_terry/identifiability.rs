//! Identifiability: without a prior the MLE exists iff the "beats" graph is strongly connected.

// One file split along its seams: the parts share the parent module's imports and items.
#[allow(clippy::wildcard_imports)]
use super::*;

/// Nodes reachable from `start` along `edge(e)` entries.
pub(super) fn reach(v: &View, start: usize, edge: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut seen = vec![false; v.n];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        for e in v.row(i) {
            let j = v.cols[e] as usize;
            if !seen[j] && edge(e) {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    seen
}

/// `None` when a finite MLE exists without a prior, else the message naming the components.
pub(super) fn unidentifiable(v: &View) -> Option<String> {
    let n = v.n;
    let beats = |e: usize| v.wins[e] > 0.0; // row item beat column item
    let beaten = |e: usize| v.total[e] - v.wins[e] > 0.0; // column item beat row item
    if reach(v, 0, beats).iter().all(|&s| s) && reach(v, 0, beaten).iter().all(|&s| s) {
        return None;
    }
    const FIX: &str = "pass l2 > 0 (a prior on log-strengths) to get finite strengths";
    // items in no comparison
    let isolated: Vec<usize> = (0..n)
        .filter(|&i| v.row(i).all(|e| v.total[e] <= 0.0))
        .collect();
    if !isolated.is_empty() {
        return Some(format!(
            "no finite maximum-likelihood strengths: items {} appear in no comparison with positive weight; {FIX}, or drop those items",
            fmt_set(&isolated, 10)
        ));
    }
    // weak components
    let mut comp = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    for s in 0..n {
        if comp[s] != usize::MAX {
            continue;
        }
        let id = comps.len();
        let mut members = vec![s];
        comp[s] = id;
        let mut k = 0;
        while k < members.len() {
            let i = members[k];
            k += 1;
            for e in v.row(i) {
                let j = v.cols[e] as usize;
                if comp[j] == usize::MAX && v.total[e] > 0.0 {
                    comp[j] = id;
                    members.push(j);
                }
            }
        }
        members.sort_unstable();
        comps.push(members);
    }
    if comps.len() > 1 {
        let list: Vec<String> = comps.iter().take(5).map(|c| fmt_set(c, 10)).collect();
        let more = if comps.len() > 5 {
            format!(", ... ({} components)", comps.len())
        } else {
            String::new()
        };
        return Some(format!(
            "no finite maximum-likelihood strengths: the comparison graph falls into {} disconnected components ({}{more}); strengths in different components are not comparable; {FIX}, or fit each component separately",
            comps.len(),
            list.join(", ")
        ));
    }
    // strongly connected components of the "beats" graph (Kosaraju, iterative)
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut stack = vec![(s, v.off[s])];
        while let Some(top) = stack.last_mut() {
            let (i, ref mut e) = *top;
            let mut pushed = None;
            while *e < v.off[i + 1] {
                let k = *e;
                *e += 1;
                let j = v.cols[k] as usize;
                if !seen[j] && beats(k) {
                    seen[j] = true;
                    pushed = Some(j);
                    break;
                }
            }
            if let Some(j) = pushed {
                stack.push((j, v.off[j]));
            } else {
                order.push(i);
                stack.pop();
            }
        }
    }
    let mut scc = vec![usize::MAX; n];
    let mut sccs: Vec<Vec<usize>> = Vec::new();
    for &s in order.iter().rev() {
        if scc[s] != usize::MAX {
            continue;
        }
        let id = sccs.len();
        scc[s] = id;
        let mut members = vec![s];
        let mut k = 0;
        while k < members.len() {
            let i = members[k];
            k += 1;
            for e in v.row(i) {
                let j = v.cols[e] as usize;
                // reverse graph: j -> i exists when j beat i
                if scc[j] == usize::MAX && beaten(e) {
                    scc[j] = id;
                    members.push(j);
                }
            }
        }
        members.sort_unstable();
        sccs.push(members);
    }
    let mut loses_out = vec![false; sccs.len()]; // some member lost to an item outside
    let mut wins_out = vec![false; sccs.len()];
    for i in 0..n {
        for e in v.row(i) {
            let j = v.cols[e] as usize;
            if scc[i] != scc[j] {
                if beats(e) {
                    wins_out[scc[i]] = true;
                }
                if beaten(e) {
                    loses_out[scc[i]] = true;
                }
            }
        }
    }
    let mut top: Vec<&Vec<usize>> = (0..sccs.len())
        .filter(|&k| !loses_out[k])
        .map(|k| &sccs[k])
        .collect();
    let mut bottom: Vec<&Vec<usize>> = (0..sccs.len())
        .filter(|&k| !wins_out[k])
        .map(|k| &sccs[k])
        .collect();
    top.sort();
    bottom.sort();
    let mut parts = Vec::new();
    for g in top.iter().take(5) {
        parts.push(format!(
            "items {} never lose to the rest of the items (their strengths would go to +infinity)",
            fmt_set(g, 10)
        ));
    }
    for g in bottom.iter().take(5) {
        parts.push(format!(
            "items {} never beat the rest of the items (their strengths would go to -infinity)",
            fmt_set(g, 10)
        ));
    }
    Some(format!(
        "no finite maximum-likelihood strengths: the \"beats\" graph has {} strongly connected components; {}; {FIX}",
        sccs.len(),
        parts.join("; ")
    ))
}
