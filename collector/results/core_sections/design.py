"""The design statement: how the wave's estimates were made (strata, finite-population
correction, weighting), achieved n against the target, the achieved margin of error,
Kish's design effect and effective sample size, and the AAPOR response rate where the
contacts are known (the internal staff survey's invitations).

An unweighted wave's statement comes from the responses per stratum counted in the
database (the headline's sums, ``common.summed``), not from its rows: n, the strata,
whether the finite-population correction applies, the margin and Kish's design effect of
the strata's weights (N_h/n_h with the correction, else 1) are what the design of the
rows gives. A weighted wave's (population margins entered for its year) still reads its
rows: the weights come from each response's characteristics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.aapor import Dispositions
from analysis.aapor import response_rates
from analysis.sample_size import margin_of_error
from analysis.weighting import effective_n
from analysis.weighting import kish_deff
from collector.core.disclosure import too_small
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.margins.categories import VARIABLE_LABELS
from collector.margins.raking import Weighting
from collector.margins.service import statement
from collector.results.core_sections.common import SUPPRESSED
from collector.results.core_sections.common import design_of
from collector.results.core_sections.common import label_of
from collector.results.core_sections.common import summed
from collector.results.estimation import Design
from collector.results.figures import p_text
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
from collector.results.summary import stratum_rows
from collector.results.wavedata import NO_UNIT
from collector.results.wavedata import stratum
from collector.results.weights import NOT_CITIZEN
from collector.results.weights import POOLED
from collector.results.weights import WaveWeighting


class DesignStatement(ResultsSection):
    name = "design"
    title = lazy_gettext("Survey design and sample")
    template = "results/sections/design.html"
    order = 10

    def build(self, context: WaveContext) -> dict[str, Any] | None:
        source = context.source
        wave = context.wave
        sums = summed(context, wave)
        if sums is not None and source is not None:
            return self._statement(context, stratum_rows(sums, *source.codes()), None)
        frame = context.frame()
        counts: dict[str, int] = (
            {str(k): int(v) for k, v in frame["agency_unit"].value_counts().items()}
            if len(frame)
            else {}
        )
        return self._statement(context, counts, design_of(context, wave))

    def _statement(
        self, context: WaveContext, counts: dict[str, int], design: Design | None
    ) -> dict[str, Any]:
        """The statement from the responses per stratum (``counts``) and, for a wave read
        from its rows, its design (None: the unweighted design of ``counts``)."""
        source = context.source
        wave = context.wave
        n = sum(counts.values())
        campaign = source.campaign(wave) if source is not None else None
        populations = source.populations(wave) if source is not None else {}
        targets = source.unit_targets(wave) if source is not None else {}
        target = None
        if campaign is not None:
            target = campaign.target_n
            if context.unit_id is not None and targets:  # the unit's own target
                target = next(iter(targets.values()))
        elif source is not None and context.unit_id is None:
            target = self._period_target(source.campaigns(), wave)
        out: dict[str, Any] = {
            "wave": label_of(context, wave),
            "n": n,
            "target": target,
            "progress": round(n * 100 / target, 1) if target else None,
            "design": None,
            "units": [],
            "response_rate": None,
        }
        if design is not None:
            population = sum(populations.values()) if design.fpc else None
            weighting = design.weighting
            out["design"] = {
                "strata": design.strata,
                "fpc": design.fpc,
                "population": population,
                "weighting": self._weighting(context, weighting) if weighting else None,
                "unweighted": self._unweighted(context.weighting, wave),
                # The half-width of a 50 % share, inflated by the weights' design effect.
                "margin": margin_of_error(
                    n, population=population, deff=weighting.kish_deff if weighting else 1.0
                )
                * 100,
                "kish_deff": f"{design.kish_deff:.2f}",
                "effective_n": f"{design.effective_n:.0f}",
            }
        elif n >= 2 and context.weigher(wave) is None:
            # ``estimation.design_for`` of these counts: strata, the correction where
            # every stratum's population is at least its rows, weights N_h/n_h then
            fpc = all(populations.get(s, 0) >= k for s, k in counts.items())
            weights = np.repeat(
                [populations[s] / k if fpc else 1.0 for s, k in counts.items()],
                list(counts.values()),
            )
            population = sum(populations.values()) if fpc else None
            out["design"] = {
                "strata": len(counts),
                "fpc": fpc,
                "population": population,
                "weighting": None,
                "unweighted": self._unweighted(context.weighting, wave),
                "margin": margin_of_error(n, population=population, deff=1.0) * 100,
                "kish_deff": f"{kish_deff(weights):.2f}",
                "effective_n": f"{effective_n(weights):.0f}",
            }
        if context.detailed and campaign is not None:
            names = self._unit_names(context)
            for key in sorted(set(targets) | set(counts)):
                if key.endswith("/" + NO_UNIT):
                    continue
                got = int(counts.get(key, 0))
                label = names.get(key, key)
                unit_target = targets.get(key)
                out["units"].append(
                    {
                        "label": label,
                        "n": SUPPRESSED if got > 0 and too_small(got) else got,
                        "target": unit_target,
                        "progress": round(got * 100 / unit_target, 1) if unit_target else None,
                    }
                )
        contacts = source.contacts(wave) if source is not None else None
        if contacts is not None:
            invited, responded = contacts
            rates = response_rates(Dispositions(I=responded, NC=invited - responded))
            out["response_rate"] = {
                "invited": invited,
                "responded": responded,
                "rr1": rates["RR1"] * 100,
            }
        return out

    @staticmethod
    def _period_target(campaigns: list[Any], wave: Any) -> int | None:
        """A calendar wave's target: the sum of the targets of the campaigns that ran
        within it (the demo's and most agencies' campaigns are its half-years); None
        when none did, or one of them has no target."""
        inside = [c for c in campaigns if wave.start <= c.starts_on and c.ends_on <= wave.end]
        if not inside or any(not c.target_n for c in inside):
            return None
        return int(sum(c.target_n for c in inside))

    @staticmethod
    def _weighting(context: WaveContext, weighting: Weighting) -> dict[str, Any]:
        """The weighting in words, and each variable's chi-square before and after."""
        text = translator(context.language)
        year = WaveWeighting.year(context.wave)
        fits = []
        for variable, fit in weighting.fits.items():
            fits.append(
                {
                    "variable": text.render(VARIABLE_LABELS[variable]),
                    "before": f"{fit.before.statistic:.1f}",
                    "before_df": f"{fit.before.df:.0f}",
                    "before_p": p_text(fit.before.p_value),
                    "after": f"{fit.after.statistic:.1f}",
                    "after_p": p_text(fit.after.p_value),
                }
            )
        return {
            "method": weighting.method,
            "statement": statement(weighting, year, context.language),
            "fits": fits,
            "trimmed": weighting.trimmed,
            "kish_deff": f"{weighting.kish_deff:.2f}",
            "effective_n": f"{weighting.effective_n:.0f}",
        }

    @staticmethod
    def _unweighted(weighting: WaveWeighting | None, wave: Any) -> str:
        """Why the wave is unweighted: ``not_citizen``, ``pooled`` or ``no_margins``."""
        if weighting is None:
            return "no_margins"
        reason = weighting.unweighted_because(wave)
        return reason if reason in (NOT_CITIZEN, POOLED) else "no_margins"

    @staticmethod
    def _unit_names(context: WaveContext) -> dict[str, str]:
        """Each stratum key's unit name as the viewer reads it."""
        if context.source is None:
            return {}
        codes = {a.id: a.code for a in context.source.agencies()}
        en = context.language == "en"
        return {
            stratum(
                codes.get(u.agency_id, ""), u.code
            ): f"{u.name_en if en else u.name_zh} ({u.code})"
            for u in context.source.units()
        }
