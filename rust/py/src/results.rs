//! Typed results of the bindings: frozen classes with named, read-only fields, in place of the
//! dicts and positional tuples the wrappers used to unpack. The public Python results (the
//! dataclasses and tables of `pluralign.*`) are built from these.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RuleOutcome>()?;
    m.add_class::<CommitteeOutcome>()?;
    m.add_class::<StvRoundOutcome>()?;
    m.add_class::<StvOutcome>()?;
    m.add_class::<ViolationOutcome>()?;
    m.add_class::<BradleyTerryOutcome>()?;
    m.add_class::<EloOutcome>()?;
    m.add_class::<AgreementOutcome>()?;
    m.add_class::<KMeansOutcome>()?;
    m.add_class::<HypervolumeMcOutcome>()?;
    m.add_class::<EdgeBatchOutcome>()?;
    m.add_class::<PairTableOutcome>()?;
    m.add_class::<TallyOutcome>()?;
    Ok(())
}

/// A single-winner rule: candidate indices, the ranking as tiers (best first) where the rule
/// defines one, one score per candidate, and the tie-break used.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct RuleOutcome {
    pub winners: Vec<usize>,
    pub ranking: Option<Vec<Vec<usize>>>,
    pub scores: Vec<f64>,
    pub tie_break: Option<String>,
}

impl From<pluralign_core::choice::RuleResult> for RuleOutcome {
    fn from(r: pluralign_core::choice::RuleResult) -> Self {
        Self {
            winners: r.winners,
            ranking: r.ranking,
            scores: r.scores,
            tie_break: r.tie_break,
        }
    }
}

/// A committee rule: the members, the order they were filled in, one score per candidate, the
/// objective value where the rule optimizes one, and the tie-break used.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct CommitteeOutcome {
    pub committee: Vec<usize>,
    pub order: Vec<usize>,
    pub scores: Vec<f64>,
    pub value: Option<f64>,
    pub tie_break: Option<String>,
}

/// One round of an STV count. `transfers` are (from, to or None for exhausted, value).
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct StvRoundOutcome {
    pub tallies: Vec<f64>,
    pub exhausted: f64,
    pub quota: f64,
    pub elected: Vec<usize>,
    pub eliminated: Vec<usize>,
    pub transfers: Vec<(usize, Option<usize>, f64)>,
    pub keep: Vec<f64>,
    pub tie: bool,
}

/// A whole STV count: the elected in order and every round.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct StvOutcome {
    pub elected: Vec<usize>,
    pub rounds: Vec<Py<StvRoundOutcome>>,
    pub total: f64,
    pub exhausted: f64,
    pub tie_break: Option<String>,
}

/// A violated justified-representation axiom: a group of `ell`-cohesive voters of total weight
/// `group_weight` whose commonly approved `candidates` the committee under-represents.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct ViolationOutcome {
    pub ell: usize,
    pub candidates: Vec<usize>,
    pub group_weight: f64,
}

/// A Bradley–Terry fit on coded items. The bootstrap fields are None without a bootstrap.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct BradleyTerryOutcome {
    pub strength: Py<PyArray1<f64>>,
    pub se: Option<Py<PyArray1<f64>>>,
    pub iterations: usize,
    pub converged: bool,
    pub log_likelihood: f64,
    pub n_pairs: usize,
    pub n_comparisons: usize,
    /// Used comparisons each item is in.
    pub item_comparisons: Py<PyArray1<u64>>,
    pub ci_low: Option<Py<PyArray1<f64>>>,
    pub ci_high: Option<Py<PyArray1<f64>>>,
    pub boot_se: Option<Py<PyArray1<f64>>>,
    pub boot_used: Option<usize>,
    pub boot_failed: Option<usize>,
    pub boot_unconverged: Option<usize>,
}

/// Online Elo ratings and the (weighted) games each item played.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct EloOutcome {
    pub ratings: Py<PyArray1<f64>>,
    pub games: Py<PyArray1<f64>>,
}

/// An agreement coefficient and the parts its metric defines (None where it defines none).
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct AgreementOutcome {
    pub value: f64,
    pub observed: Option<f64>,
    pub expected: Option<f64>,
    pub n_units: usize,
    pub n_pairable: Option<usize>,
    pub n_pairs: Option<f64>,
}

/// Polis k-means: labels, the surviving centers (k' x d), the index of each surviving center
/// among the initial ones, and the iterations run.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct KMeansOutcome {
    pub labels: Py<PyAny>,
    pub centers: Py<PyAny>,
    pub origin: Py<PyAny>,
    pub iterations: usize,
}

/// A Monte Carlo hypervolume estimate: `hits` of `samples` uniform points in a box of
/// `box_volume` were dominated.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct HypervolumeMcOutcome {
    pub hits: u64,
    pub samples: u64,
    pub box_volume: f64,
}

/// Edge signals of a batch of prompts: per row `admissible`, `front`; per prompt
/// `n_admissible`, `n_front`, `chosen`, `conflict`, `min_tau`, `n_choices`. It also unpacks
/// as an 8-tuple in that order (the layout of the earlier tuple result).
#[pyclass(module = "pluralign._core", frozen, get_all, sequence)]
pub struct EdgeBatchOutcome {
    pub admissible: Py<PyAny>,
    pub front: Py<PyAny>,
    pub n_admissible: Py<PyAny>,
    pub n_front: Py<PyAny>,
    pub chosen: Py<PyAny>,
    pub conflict: Py<PyAny>,
    pub min_tau: Py<PyAny>,
    pub n_choices: Py<PyAny>,
}

impl EdgeBatchOutcome {
    fn fields(&self) -> [&Py<PyAny>; 8] {
        [
            &self.admissible,
            &self.front,
            &self.n_admissible,
            &self.n_front,
            &self.chosen,
            &self.conflict,
            &self.min_tau,
            &self.n_choices,
        ]
    }
}

#[pymethods]
impl EdgeBatchOutcome {
    #[allow(clippy::unused_self)] // Python's __len__ is a method
    fn __len__(&self) -> usize {
        8
    }

    fn __getitem__(&self, py: Python<'_>, i: isize) -> PyResult<Py<PyAny>> {
        let k = if i < 0 { i + 8 } else { i };
        usize::try_from(k)
            .ok()
            .and_then(|k| self.fields().get(k).map(|f| f.clone_ref(py)))
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("index out of range"))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items: Vec<Py<PyAny>> = self.fields().iter().map(|f| f.clone_ref(py)).collect();
        PyTuple::new(py, items)?
            .into_any()
            .try_iter()
            .map(Bound::into_any)
    }
}

/// Pairs listed within groups (`prefs_rating_pairs`, `prefs_pareto_pairs`): the gathered output
/// columns (Arrow arrays, or row-index arrays when the columns were not gathered in Rust), the
/// margin and tie flag per pair, and how many pairs were considered, dropped as ties, below the
/// margin, or incomparable.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct PairTableOutcome {
    pub columns: Vec<Py<PyAny>>,
    pub margin: Py<PyArray1<f64>>,
    pub tie: Py<PyArray1<bool>>,
    pub n_considered: u64,
    pub n_ties_dropped: u64,
    pub n_below_margin: u64,
    pub n_incomparable: u64,
}

/// Pairwise counts per (group, lo, hi) with `lo < hi` item codes: wins of each side and ties,
/// as counts and as summed weights.
#[pyclass(module = "pluralign._core", frozen, get_all)]
pub struct TallyOutcome {
    pub group: Py<PyArray1<u32>>,
    pub lo: Py<PyArray1<u32>>,
    pub hi: Py<PyArray1<u32>>,
    pub n_lo: Py<PyArray1<i64>>,
    pub n_hi: Py<PyArray1<i64>>,
    pub n_tie: Py<PyArray1<i64>>,
    pub w_lo: Py<PyArray1<f64>>,
    pub w_hi: Py<PyArray1<f64>>,
    pub w_tie: Py<PyArray1<f64>>,
}
