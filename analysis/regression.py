"""Design-based generalised linear models, as R ``survey::svyglm``.

Point estimates are the weighted (pseudo-likelihood) GLM fit, done by statsmodels. The
covariance is the sandwich ``A^-1 V A^-1``: ``A`` the weighted information at the fit, ``V`` the
design variance of the estimating-function totals, computed by :mod:`analysis.variance` with
the design's strata, clusters, fpc and calibration (Binder 1983; Lumley 2010 ch. 5; R
``svy.varcoef``). Rows with a missing model variable drop out as a domain, as ``svyglm`` does,
and the residual degrees of freedom are the design df + 1 - number of coefficients.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from scipy import stats

from analysis.core import DesignCore

__all__ = [
    "FAMILIES",
    "Coefficients",
    "GLMResult",
    "glm_family",
    "model_frame",
    "reg_term_test",
    "svyglm",
]

FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson")


@dataclass(frozen=True)
class Coefficients:
    """Coefficients with design-based standard errors by name: what a design-based model
    returns (``GLMResult``, ``analysis.ordinal.OLRResult``), with R's tests and intervals."""

    params: pd.Series
    bse: pd.Series
    cov_params: pd.DataFrame
    df_resid: float

    @property
    def tvalues(self) -> pd.Series:
        """Wald t statistics."""
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values on t with ``df_resid`` (R ``summary.svyglm``)."""
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tvalues), self.df_resid), index=self.params.index
        )

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals with the t quantile on ``df_resid`` (R ``confint.svyglm``)."""
        q = stats.t.ppf(1 - (1 - level) / 2, self.df_resid) if self.df_resid > 0 else math.nan
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def reg_term_test(self, terms: str | list[str]) -> TermTest:
        """R ``regTermTest``: see :func:`reg_term_test`."""
        return reg_term_test(self, terms)

    def wald_test(self, terms: list[str]) -> tuple[float, float, float, float]:
        """Design-based Wald F test that ``terms`` are all zero (R ``regTermTest``).

        Returns (F, numerator df, denominator df, p-value).
        """
        missing = [t for t in terms if t not in self.params.index]
        if missing:
            raise ValueError(f"unknown terms {missing}; model terms are {list(self.params.index)}")
        b = self.params[terms].to_numpy()
        v = self.cov_params.loc[terms, terms].to_numpy()
        chisq = float(b @ np.linalg.solve(v, b))
        k = len(terms)
        f = chisq / k
        return (f, float(k), float(self.df_resid), float(stats.f.sf(f, k, self.df_resid)))


@dataclass(frozen=True)
class GLMResult(Coefficients):
    """A design-based GLM, indexed by patsy/statsmodels names (R ``svyglm``)."""

    family: str
    nobs: int
    formula: str


def _response(y: pd.DataFrame) -> np.ndarray:
    if y.shape[1] == 1:
        return y.iloc[:, 0].to_numpy(dtype=float)
    true_cols = [c for c in y.columns if c.endswith("[True]")]
    if y.shape[1] == 2 and true_cols:
        return y[true_cols[0]].to_numpy(dtype=float)
    raise ValueError(f"the response must be one numeric or boolean column, got {list(y.columns)}")


@dataclass(frozen=True)
class _ModelRows:
    """The rows a model is fitted on: complete, in the domain, with positive weight."""

    rows: np.ndarray  # row positions in the design's data
    domain: np.ndarray  # boolean per design row: the same rows, for the variance
    y: np.ndarray
    x: np.ndarray
    names: list[str]


def model_frame(data: pd.DataFrame, mask: np.ndarray, formula: str) -> _ModelRows:
    """Response and model matrix by patsy over the rows of ``mask`` (in the domain, with
    weight); incomplete rows drop out as a domain (R ``svyglm``)."""
    try:
        y_df, x_df = patsy.dmatrices(
            formula, data.reset_index(drop=True), return_type="dataframe", NA_action="drop"
        )
    except patsy.PatsyError as exc:
        raise ValueError(f"cannot build the model {formula!r}: {exc}") from exc
    rows = y_df.index.to_numpy(dtype=np.int64)
    used = np.zeros(len(data), dtype=bool)
    used[rows] = True
    d = mask & used
    sel = d[rows]
    rows = rows[sel]
    y = _response(y_df)[sel]
    x = x_df.to_numpy(dtype=float)[sel]
    names = list(x_df.columns)
    if len(rows) == 0:
        raise ValueError(f"{formula!r}: no complete rows with positive weight in the domain")
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(f"{formula!r}: the model matrix is rank deficient in the domain ({names})")
    return _ModelRows(rows=rows, domain=d, y=y, x=x, names=names)


def _model_rows(design: DesignCore, formula: str) -> _ModelRows:
    return model_frame(design.data, design.domain_mask() & (design.row_weights != 0), formula)


def glm_family(family: str, y: np.ndarray, formula: str) -> sm.families.Family:
    """The statsmodels family of R's ``family=`` name, after checking the response."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if family == "gaussian":
        return sm.families.Gaussian()
    if family in ("poisson", "quasipoisson"):
        if (y < 0).any():
            raise ValueError(f"{formula!r}: a Poisson response must not be negative")
        return sm.families.Poisson()
    if ((y < 0) | (y > 1)).any():
        raise ValueError(f"{formula!r}: a binomial response must lie in [0, 1]")
    return sm.families.Binomial()


def _influence(
    m: _ModelRows, w: np.ndarray, fam: sm.families.Family, beta: np.ndarray
) -> np.ndarray:
    """Each row's influence on the coefficients: estimating function times A^-1 (Binder 1983)."""
    eta = m.x @ beta
    mu = fam.link.inverse(eta)
    mu_eta = fam.link.inverse_deriv(eta)
    var = fam.variance(mu)
    work_w = w * mu_eta**2 / var
    info = (m.x * work_w[:, None]).T @ m.x
    a_inv = np.linalg.inv(info)
    estfun = m.x * (w * (m.y - mu) * mu_eta / var)[:, None]
    return np.asarray(estfun @ a_inv)


def svyglm(design: DesignCore, formula: str, family: str = "gaussian") -> GLMResult:
    """Fit ``formula`` (patsy syntax) on the design; ``family`` gaussian or (quasi)binomial."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    m = _model_rows(design, formula)
    w = design.row_weights[m.rows]
    w = w / w.mean()
    fam = glm_family(family, m.y, formula)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(m.y, m.x, family=fam, var_weights=w).fit(tol=1e-12, maxiter=100)
    beta = np.asarray(fit.params, dtype=float)
    infl = np.zeros((design.n, m.x.shape[1]))
    infl[m.rows] = _influence(m, w, fam, beta)
    cov = design.variance(infl, m.domain)
    df_resid = design.degf(m.domain) + 1 - m.x.shape[1]
    names = m.names
    return GLMResult(
        params=pd.Series(beta, index=names),
        bse=pd.Series(np.sqrt(np.maximum(np.diag(cov), 0.0)), index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        df_resid=float(df_resid),
        family=family,
        nobs=len(m.rows),
        formula=formula,
    )


@dataclass(frozen=True)
class TermTest:
    """R ``regTermTest``: a Wald F test that several coefficients are zero."""

    terms: tuple[str, ...]
    f: float
    df: float
    ddf: float
    p: float
    chisq: float


def reg_term_test(fit: Coefficients, terms: str | list[str]) -> TermTest:
    """R ``regTermTest(fit, ~term, method="Wald")``: every coefficient of the terms is zero.

    ``terms``: coefficient names, or a variable name, which takes all its coefficients
    (``"stype"`` gives ``stype[T.H]`` and ``stype[T.M]``). F = Wald chi-square / k on
    (k, residual df), as R's default ``df = degf(design)``-based test.
    """
    names = [terms] if isinstance(terms, str) else list(terms)
    chosen: list[str] = []
    for t in names:
        if t in fit.params.index:
            chosen.append(t)
            continue
        matched = [c for c in fit.params.index if c == t or c.startswith(f"{t}[")]
        if not matched:
            raise ValueError(f"unknown term {t!r}; model terms are {list(fit.params.index)}")
        chosen.extend(matched)
    f, k, ddf, p = fit.wald_test(chosen)
    return TermTest(tuple(chosen), f, k, ddf, p, f * k)
