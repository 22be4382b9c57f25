//! Bindings of `pluralign_core::choice`. Candidate ids are mapped to indices 0..m in
//! `python/pluralign/choice.py`; here everything is indices, numpy arrays and plain tuples.

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pluralign_core::choice::{self as ch, Pairwise, Profile};
use pluralign_core::{CoreError, Result as CoreResult};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{
    with_view, CoveringArg, KemenyMethodArg, LookBackArg, LotteryPayoffArg, MesCompletionArg,
    MinimaxStrengthArg, NansonVariantArg, PointsArg, QuotaArg, SchulzeStrengthArg, SurplusOrderArg,
    ThieleMethodArg, TieBreakKind, TieBreakKindValue, TransferArg,
};
use crate::errors::{input_error, run, to_py};
use crate::results::{
    CommitteeOutcome, RuleOutcome, StvOutcome, StvRoundOutcome, ViolationOutcome,
};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyProfile>()?;
    m.add_class::<PyApprovalProfile>()?;
    m.add_function(wrap_pyfunction!(choice_rule, m)?)?;
    m.add_function(wrap_pyfunction!(choice_set, m)?)?;
    m.add_function(wrap_pyfunction!(cardinal_rule, m)?)?;
    m.add_function(wrap_pyfunction!(committee_rule, m)?)?;
    m.add_function(wrap_pyfunction!(committee_check, m)?)?;
    m.add_function(wrap_pyfunction!(choice_stv, m)?)?;
    Ok(())
}

/// Single transferable vote.
#[pyfunction]
#[pyo3(signature = (profile, seats, quota=QuotaArg(ch::Quota::Droop), transfer=TransferArg(ch::Transfer::Wigm), surplus_order=SurplusOrderArg(ch::SurplusOrder::Largest), look=LookBackArg(ch::LookBack::Backward), tb_kind=TieBreakKind(TieBreakKindValue::Lexicographic), tb_order=vec![], tb_seed=0))]
#[allow(clippy::too_many_arguments)]
fn choice_stv(
    py: Python<'_>,
    profile: &PyProfile,
    seats: usize,
    quota: QuotaArg,
    transfer: TransferArg,
    surplus_order: SurplusOrderArg,
    look: LookBackArg,
    tb_kind: TieBreakKind,
    tb_order: Vec<usize>,
    tb_seed: u64,
) -> PyResult<StvOutcome> {
    let (quota, transfer, order, look) = (quota.0, transfer.0, surplus_order.0, look.0);
    let tb = tb_kind.with(tb_order, tb_seed);
    let r = run(py, None, move || {
        let m = profile.whole()?.num_candidates();
        let positions = tb.positions(m)?;
        let name = match (look, &positions) {
            (ch::LookBack::None, _) => tb.describe(),
            (ch::LookBack::Backward, Some(_)) => format!("backward, then {}", tb.describe()),
            (ch::LookBack::Forward, Some(_)) => format!("forward, then {}", tb.describe()),
            (ch::LookBack::Backward, None) => "backward".into(),
            (ch::LookBack::Forward, None) => "forward".into(),
        };
        let stb = ch::StvTieBreak {
            look,
            positions,
            name,
        };
        ch::stv(profile.whole()?, seats, quota, transfer, order, &stb)
    })?;
    let rounds = r
        .rounds
        .into_iter()
        .map(|rd| {
            let round = StvRoundOutcome {
                tallies: rd.tallies,
                exhausted: rd.exhausted,
                quota: rd.quota,
                elected: rd.elected,
                eliminated: rd.eliminated,
                transfers: rd.transfers,
                keep: rd.keep,
                tie: rd.tie,
            };
            Py::new(py, round)
        })
        .collect::<PyResult<_>>()?;
    Ok(StvOutcome {
        elected: r.elected,
        rounds,
        total: r.total,
        exhausted: r.exhausted,
        tie_break: r.tie_break,
    })
}

/// No tie-break (the default of most rules).
const NO_TIE_BREAK: TieBreakKind = TieBreakKind(TieBreakKindValue::None);

fn opt_slice<'a>(
    py: Python<'_>,
    a: Option<&'a PyReadonlyArray1<'_, f64>>,
) -> PyResult<Option<&'a [f64]>> {
    match a {
        None => Ok(None),
        Some(a) => a
            .as_slice()
            .map(Some)
            .map_err(|_| input_error(py, "weights must be a contiguous float64 array")),
    }
}

fn i64s<'a>(py: Python<'_>, a: &'a PyReadonlyArray1<'_, i64>, what: &str) -> PyResult<&'a [i64]> {
    crate::convert::i64_slice(py, a, what)
}

/// A preference profile: whole ballots, or only pairwise support (from comparisons).
#[pyclass(name = "_Profile", module = "pluralign._core", frozen)]
pub struct PyProfile {
    inner: Kind,
}

enum Kind {
    Ballots(Profile),
    Pairwise(Pairwise),
}

impl PyProfile {
    fn whole(&self) -> CoreResult<&Profile> {
        match &self.inner {
            Kind::Ballots(p) => Ok(p),
            Kind::Pairwise(_) => Err(CoreError::Input(
                "this rule needs whole ballots, but the profile was built from pairwise comparisons; \
                 use a margin-based rule (copeland, minimax, schulze, ranked_pairs, kemeny, ...)"
                    .into(),
            )),
        }
    }
    fn pairwise(&self) -> CoreResult<&Pairwise> {
        match &self.inner {
            Kind::Ballots(p) => p.pairwise(),
            Kind::Pairwise(pw) => Ok(pw),
        }
    }
}

#[pymethods]
impl PyProfile {
    /// From the Arrow layout of a list<list<int>> column.
    #[staticmethod]
    #[pyo3(signature = (m, values, tier_offsets, ballot_offsets, weights=None, threads=None))]
    fn from_nested(
        py: Python<'_>,
        m: usize,
        values: PyReadonlyArray1<'_, i64>,
        tier_offsets: PyReadonlyArray1<'_, i64>,
        ballot_offsets: PyReadonlyArray1<'_, i64>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let (v, t, b) = (
            i64s(py, &values, "values")?,
            i64s(py, &tier_offsets, "tier offsets")?,
            i64s(py, &ballot_offsets, "ballot offsets")?,
        );
        let w = opt_slice(py, weights.as_ref())?;
        let p = run(py, threads, || Profile::from_nested(m, v, t, b, w, threads))?;
        Ok(Self {
            inner: Kind::Ballots(p),
        })
    }

    /// One profile per group (`groups[i]` in 0..n_groups).
    #[staticmethod]
    #[pyo3(signature = (m, values, tier_offsets, ballot_offsets, groups, n_groups, weights=None, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn from_nested_grouped(
        py: Python<'_>,
        m: usize,
        values: PyReadonlyArray1<'_, i64>,
        tier_offsets: PyReadonlyArray1<'_, i64>,
        ballot_offsets: PyReadonlyArray1<'_, i64>,
        groups: PyReadonlyArray1<'_, i64>,
        n_groups: usize,
        weights: Option<PyReadonlyArray1<'_, f64>>,
        threads: Option<usize>,
    ) -> PyResult<Vec<Self>> {
        let (v, t, b) = (
            i64s(py, &values, "values")?,
            i64s(py, &tier_offsets, "tier offsets")?,
            i64s(py, &ballot_offsets, "ballot offsets")?,
        );
        let g = i64s(py, &groups, "groups")?;
        if let Some((i, &x)) = g
            .iter()
            .enumerate()
            .find(|(_, &x)| x < 0 || x as u64 >= n_groups as u64)
        {
            return Err(input_error(
                py,
                format!("group code {x} at ballot {i} is outside 0..{n_groups}"),
            ));
        }
        let g: Vec<u32> = g.iter().map(|&x| x as u32).collect();
        let w = opt_slice(py, weights.as_ref())?;
        let ps = run(py, threads, || {
            Profile::from_nested_grouped(m, v, t, b, w, &g, n_groups, threads)
        })?;
        Ok(ps
            .into_iter()
            .map(|p| Self {
                inner: Kind::Ballots(p),
            })
            .collect())
    }

    /// From an n x m rank matrix (smaller is better, negative = unranked).
    #[staticmethod]
    #[pyo3(signature = (ranks, weights=None, threads=None))]
    fn from_rank_matrix(
        py: Python<'_>,
        ranks: PyReadonlyArray2<'_, i64>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let (n, m) = (ranks.shape()[0], ranks.shape()[1]);
        let r = ranks
            .as_slice()
            .map_err(|_| input_error(py, "ranks must be a C-contiguous int64 array"))?;
        let w = opt_slice(py, weights.as_ref())?;
        let p = run(py, threads, || {
            Profile::from_rank_matrix(n, m, r, w, threads)
        })?;
        Ok(Self {
            inner: Kind::Ballots(p),
        })
    }

    /// Pairwise-only profile: `winners[i]` beat `losers[i]`.
    #[staticmethod]
    #[pyo3(signature = (m, winners, losers, weights=None))]
    fn from_comparisons(
        py: Python<'_>,
        m: usize,
        winners: PyReadonlyArray1<'_, i64>,
        losers: PyReadonlyArray1<'_, i64>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (a, b) = (i64s(py, &winners, "winners")?, i64s(py, &losers, "losers")?);
        let w = opt_slice(py, weights.as_ref())?;
        let pw = run(py, Some(1), || Pairwise::from_comparisons(m, a, b, w))?;
        Ok(Self {
            inner: Kind::Pairwise(pw),
        })
    }

    #[getter]
    fn n_candidates(&self) -> usize {
        match &self.inner {
            Kind::Ballots(p) => p.num_candidates(),
            Kind::Pairwise(pw) => pw.num_candidates(),
        }
    }
    /// Distinct ballots (None for a pairwise-only profile).
    #[getter]
    fn n_ballots(&self) -> Option<usize> {
        match &self.inner {
            Kind::Ballots(p) => Some(p.num_ballots()),
            Kind::Pairwise(_) => None,
        }
    }
    #[getter]
    fn total_weight(&self) -> f64 {
        match &self.inner {
            Kind::Ballots(p) => p.total_weight(),
            Kind::Pairwise(pw) => pw.total(),
        }
    }
    #[getter]
    fn pairwise_only(&self) -> bool {
        matches!(self.inner, Kind::Pairwise(_))
    }

    /// support[a*m+b]: weight strictly preferring a to b (flat, row-major).
    fn support<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = run(py, None, || {
            self.pairwise().map(|pw| pw.support_matrix().to_vec())
        })?;
        Ok(PyArray1::from_vec(py, s))
    }
    fn margins<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = run(py, None, || self.pairwise().map(Pairwise::margin_matrix))?;
        Ok(PyArray1::from_vec(py, s))
    }
    /// (tiers, weight) per distinct ballot; the last tier holds the unlisted candidates.
    fn ballots(&self, py: Python<'_>) -> PyResult<Vec<(Vec<Vec<usize>>, f64)>> {
        let p = self.whole().map_err(|e| to_py(py, e))?;
        Ok((0..p.num_ballots())
            .map(|b| (p.ballot(b), p.weights()[b]))
            .collect())
    }
    fn merge(&self, py: Python<'_>, other: &PyProfile) -> PyResult<PyProfile> {
        let inner = if let (Kind::Ballots(a), Kind::Ballots(b)) = (&self.inner, &other.inner) {
            Kind::Ballots(run(py, None, || a.merge(b))?)
        } else {
            let (a, b) = (
                self.pairwise().map_err(|e| to_py(py, e))?,
                other.pairwise().map_err(|e| to_py(py, e))?,
            );
            Kind::Pairwise(run(py, None, || a.merge(b))?)
        };
        Ok(PyProfile { inner })
    }
    /// Compact state for pickling: (kind, m, data bytes, weights bytes, total).
    fn to_parts<'py>(
        &self,
        py: Python<'py>,
    ) -> (String, usize, Bound<'py, PyBytes>, Bound<'py, PyBytes>, f64) {
        match &self.inner {
            Kind::Ballots(p) => {
                let (m, ranks, w) = p.to_parts();
                let rb: Vec<u8> = ranks.iter().flat_map(|r| r.to_le_bytes()).collect();
                let wb: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
                (
                    "ballots".into(),
                    m,
                    PyBytes::new(py, &rb),
                    PyBytes::new(py, &wb),
                    p.total_weight(),
                )
            }
            Kind::Pairwise(pw) => {
                let sb: Vec<u8> = pw
                    .support_matrix()
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect();
                (
                    "pairwise".into(),
                    pw.num_candidates(),
                    PyBytes::new(py, &sb),
                    PyBytes::new(py, &[]),
                    pw.total(),
                )
            }
        }
    }
    #[staticmethod]
    fn from_parts(
        py: Python<'_>,
        kind: &str,
        m: usize,
        data: &[u8],
        weights: &[u8],
        total: f64,
    ) -> PyResult<Self> {
        let f64s = |b: &[u8]| -> Vec<f64> {
            b.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect()
        };
        let inner = match kind {
            "ballots" => {
                let ranks: Vec<u16> = data
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                Kind::Ballots(
                    Profile::from_parts(m, ranks, f64s(weights)).map_err(|e| to_py(py, e))?,
                )
            }
            "pairwise" => Kind::Pairwise(
                Pairwise::from_support(m, f64s(data), total).map_err(|e| to_py(py, e))?,
            ),
            other => {
                return Err(input_error(
                    py,
                    format!("unknown profile state kind {other:?}"),
                ))
            }
        };
        Ok(Self { inner })
    }
}

/// Run a ranked rule by name. Each rule's own option has its own parameter (ignored by the
/// other rules): `minimax_strength`, `schulze_strength`, `nanson_variant`, `kemeny_method`,
/// `lottery_payoff`.
#[pyfunction]
#[pyo3(signature = (profile, name, alpha=0.5, scores=vec![], tb_kind=NO_TIE_BREAK,
    tb_order=vec![], tb_seed=0, minimax_strength=MinimaxStrengthArg(ch::MinimaxStrength::Margins),
    schulze_strength=SchulzeStrengthArg(ch::SchulzeStrength::Margin),
    nanson_variant=NansonVariantArg(ch::NansonVariant::Strict),
    kemeny_method=KemenyMethodArg(ch::KemenyMethod::Exact),
    lottery_payoff=LotteryPayoffArg(ch::LotteryPayoff::Margins)))]
#[allow(clippy::too_many_arguments)]
fn choice_rule(
    py: Python<'_>,
    profile: &PyProfile,
    name: &str,
    alpha: f64,
    scores: Vec<f64>,
    tb_kind: TieBreakKind,
    tb_order: Vec<usize>,
    tb_seed: u64,
    minimax_strength: MinimaxStrengthArg,
    schulze_strength: SchulzeStrengthArg,
    nanson_variant: NansonVariantArg,
    kemeny_method: KemenyMethodArg,
    lottery_payoff: LotteryPayoffArg,
) -> PyResult<RuleOutcome> {
    let tb = tb_kind.with(tb_order, tb_seed);
    let name = name.to_string();
    run(py, None, move || {
        let r = match name.as_str() {
            "plurality" => ch::plurality(profile.whole()?),
            "borda" => ch::borda(profile.whole()?),
            "anti_plurality" => ch::anti_plurality(profile.whole()?),
            "positional" => ch::positional(profile.whole()?, &scores),
            "random_dictatorship" => ch::random_dictatorship(profile.whole()?),
            "instant_runoff" => ch::instant_runoff(profile.whole()?, &tb),
            "coombs" => ch::coombs(profile.whole()?, &tb),
            "bucklin" => ch::bucklin(profile.whole()?),
            "copeland" => ch::copeland(profile.pairwise()?, alpha),
            "llull" => ch::llull(profile.pairwise()?),
            "minimax" => ch::minimax(profile.pairwise()?, minimax_strength.0),
            "schulze" => ch::schulze(profile.pairwise()?, schulze_strength.0),
            "split_cycle" => ch::split_cycle(profile.pairwise()?),
            "stable_voting" => ch::stable_voting(profile.pairwise()?),
            "ranked_pairs" => ch::ranked_pairs(profile.pairwise()?, &tb),
            "ranked_pairs_all" => ch::ranked_pairs_all(profile.pairwise()?),
            "baldwin" => ch::baldwin(profile.pairwise()?, &tb),
            "nanson" => ch::nanson(profile.pairwise()?, nanson_variant.0),
            "kemeny" => ch::kemeny(profile.pairwise()?, kemeny_method.0, &tb),
            "maximal_lottery" => ch::maximal_lottery(profile.pairwise()?, lottery_payoff.0),
            other => Err(CoreError::Input(format!("unknown rule {other:?}"))),
        }?;
        Ok(RuleOutcome::from(r))
    })
}

/// Majority sets and Condorcet candidates by name (Condorcet winner/loser: empty or one).
#[pyfunction]
#[pyo3(signature = (profile, name, covering=CoveringArg(ch::Covering::Gillies)))]
fn choice_set(
    py: Python<'_>,
    profile: &PyProfile,
    name: &str,
    covering: CoveringArg,
) -> PyResult<Vec<usize>> {
    run(py, None, || {
        let pw = profile.pairwise()?;
        match name {
            "condorcet_winner" => Ok(ch::condorcet_winner(pw)?.into_iter().collect()),
            "condorcet_loser" => Ok(ch::condorcet_loser(pw)?.into_iter().collect()),
            "weak_condorcet_winners" => ch::weak_condorcet_winners(pw),
            "smith_set" => ch::smith_set(pw),
            "schwartz_set" => ch::schwartz_set(pw),
            "uncovered_set" => ch::uncovered_set(pw, covering.0),
            other => Err(CoreError::Input(format!("unknown set {other:?}"))),
        }
    })
}

/// Cardinal and welfare rules over a voters x candidates utility matrix.
#[pyfunction]
#[pyo3(signature = (utilities, name, weights=None, range=None, tb_kind=NO_TIE_BREAK, tb_order=vec![], tb_seed=0))]
#[allow(clippy::too_many_arguments)]
fn cardinal_rule<'py>(
    py: Python<'py>,
    utilities: PointsArg<'py>,
    name: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    range: Option<(f64, f64)>,
    tb_kind: TieBreakKind,
    tb_order: Vec<usize>,
    tb_seed: u64,
) -> PyResult<RuleOutcome> {
    let tb = tb_kind.with(tb_order, tb_seed);
    let w = opt_slice(py, weights.as_ref())?;
    with_view(py, utilities, |u| {
        run(py, None, || {
            let r = match name {
                "score_voting" => ch::score_voting(u, w, range, &tb),
                "utilitarian" => ch::utilitarian(u, w, &tb),
                "nash" => ch::nash(u, w, &tb),
                "egalitarian" => ch::egalitarian(u, w, &tb),
                "leximin" => ch::leximin(u, w, &tb),
                "star" => ch::star(u, w, &tb),
                "majority_judgment" => ch::majority_judgment(u, w, &tb),
                other => Err(CoreError::Input(format!("unknown cardinal rule {other:?}"))),
            }?;
            Ok(RuleOutcome::from(r))
        })
    })
}

/// An approval profile.
#[pyclass(name = "_ApprovalProfile", module = "pluralign._core", frozen)]
pub struct PyApprovalProfile {
    inner: ch::ApprovalProfile,
}

#[pymethods]
impl PyApprovalProfile {
    #[staticmethod]
    #[pyo3(signature = (m, values, offsets, weights=None))]
    fn from_flat(
        py: Python<'_>,
        m: usize,
        values: PyReadonlyArray1<'_, i64>,
        offsets: PyReadonlyArray1<'_, i64>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (v, o) = (i64s(py, &values, "values")?, i64s(py, &offsets, "offsets")?);
        let w = opt_slice(py, weights.as_ref())?;
        let inner = run(py, None, || ch::ApprovalProfile::from_flat(m, v, o, w))?;
        Ok(Self { inner })
    }
    #[staticmethod]
    #[pyo3(signature = (approvals, weights=None))]
    fn from_matrix(
        py: Python<'_>,
        approvals: PyReadonlyArray2<'_, u8>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (n, m) = (approvals.shape()[0], approvals.shape()[1]);
        let a = approvals
            .as_slice()
            .map_err(|_| input_error(py, "approvals must be a C-contiguous uint8 array"))?;
        let w = opt_slice(py, weights.as_ref())?;
        let inner = run(py, None, || ch::ApprovalProfile::from_matrix(n, m, a, w))?;
        Ok(Self { inner })
    }
    #[getter]
    fn n_candidates(&self) -> usize {
        self.inner.num_candidates()
    }
    #[getter]
    fn n_ballots(&self) -> usize {
        self.inner.num_ballots()
    }
    #[getter]
    fn total_weight(&self) -> f64 {
        self.inner.total_weight()
    }
    fn approval_scores(&self) -> Vec<f64> {
        self.inner.approval_scores()
    }
    fn ballots(&self) -> Vec<(Vec<usize>, f64)> {
        (0..self.inner.num_ballots())
            .map(|b| (self.inner.ballot(b), self.inner.weights()[b]))
            .collect()
    }
    fn merge(&self, py: Python<'_>, other: &PyApprovalProfile) -> PyResult<PyApprovalProfile> {
        let inner = run(py, None, || self.inner.merge(&other.inner))?;
        Ok(Self { inner })
    }
    fn to_parts<'py>(&self, py: Python<'py>) -> (usize, Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let (m, sets, w) = self.inner.to_parts();
        let sb: Vec<u8> = sets.iter().flat_map(|x| x.to_le_bytes()).collect();
        let wb: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
        (m, PyBytes::new(py, &sb), PyBytes::new(py, &wb))
    }
    #[staticmethod]
    fn from_parts(py: Python<'_>, m: usize, sets: &[u8], weights: &[u8]) -> PyResult<Self> {
        let s: Vec<u64> = sets
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let w: Vec<f64> = weights
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let inner = ch::ApprovalProfile::from_parts(m, s, w).map_err(|e| to_py(py, e))?;
        Ok(Self { inner })
    }
}

/// A committee rule by name. `method` (Thiele rules: pav, chamberlin_courant) and `completion`
/// (equal_shares) are ignored by the other rules.
#[pyfunction]
#[pyo3(signature = (profile, name, k, method=ThieleMethodArg(ch::ThieleMethod::Exact),
    completion=MesCompletionArg(ch::MesCompletion::None), tb_kind=NO_TIE_BREAK, tb_order=vec![],
    tb_seed=0))]
#[allow(clippy::too_many_arguments)]
fn committee_rule(
    py: Python<'_>,
    profile: &PyApprovalProfile,
    name: &str,
    k: usize,
    method: ThieleMethodArg,
    completion: MesCompletionArg,
    tb_kind: TieBreakKind,
    tb_order: Vec<usize>,
    tb_seed: u64,
) -> PyResult<CommitteeOutcome> {
    let tb = tb_kind.with(tb_order, tb_seed);
    let ap = &profile.inner;
    run(py, None, || {
        let r = match name {
            "av" => ch::av(ap, k, &tb),
            "sav" => ch::sav(ap, k, &tb),
            "pav" => ch::pav(ap, k, method.0, &tb),
            "chamberlin_courant" => ch::chamberlin_courant(ap, k, method.0, &tb),
            "seq_phragmen" => ch::seq_phragmen(ap, k, &tb),
            "rev_seq_pav" => ch::rev_seq_pav(ap, k, &tb),
            "phragmen_enestrom" => ch::phragmen_enestrom(ap, k, &tb),
            "minimax_av" => ch::minimax_av(ap, k, &tb),
            "lex_minimax_av" => ch::lex_minimax_av(ap, k, &tb),
            "lex_cc" => ch::lex_cc(ap, k, &tb),
            "maximin_support" => ch::maximin_support(ap, k, &tb),
            "monroe" => ch::monroe(ap, k, &tb),
            "equal_shares" => ch::equal_shares(ap, k, completion.0, &tb),
            "approval" => {
                return ch::approval(ap, &tb).map(|r| CommitteeOutcome {
                    committee: r.winners.clone(),
                    order: r.winners,
                    scores: r.scores,
                    value: None,
                    tie_break: r.tie_break,
                })
            }
            other => Err(CoreError::Input(format!(
                "unknown committee rule {other:?}"
            ))),
        }?;
        Ok(CommitteeOutcome {
            committee: r.committee,
            order: r.order,
            scores: r.scores,
            value: r.value,
            tie_break: r.tie_break,
        })
    })
}

/// JR / PJR / EJR check: None if it holds, else the violation.
#[pyfunction]
fn committee_check(
    py: Python<'_>,
    profile: &PyApprovalProfile,
    which: &str,
    committee: Vec<usize>,
) -> PyResult<Option<ViolationOutcome>> {
    let ap = &profile.inner;
    run(py, None, || {
        let v = match which {
            "jr" => ch::check_jr(ap, &committee),
            "pjr" => ch::check_pjr(ap, &committee),
            "ejr" => ch::check_ejr(ap, &committee),
            other => Err(CoreError::Input(format!("unknown property {other:?}"))),
        }?;
        Ok(v.map(|v| ViolationOutcome {
            ell: v.ell,
            candidates: v.candidates,
            group_weight: v.group_weight,
        }))
    })
}
