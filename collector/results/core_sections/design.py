"""The design statement: how the wave's estimates were made (strata, finite-population
correction, weighting), achieved n against the target, the achieved margin of error,
Kish's design effect and effective sample size, and the AAPOR response rate where the
contacts are known (the internal staff survey's invitations)."""

from __future__ import annotations

from typing import Any

from analysis.aapor import Dispositions
from analysis.aapor import response_rates
from analysis.sample_size import margin_of_error
from collector.core.disclosure import too_small
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.margins.categories import VARIABLE_LABELS
from collector.margins.raking import Weighting
from collector.margins.service import statement
from collector.results.core_sections.common import SUPPRESSED
from collector.results.core_sections.common import design_of
from collector.results.core_sections.common import label_of
from collector.results.figures import p_text
from collector.results.sections import ResultsSection
from collector.results.sections import WaveContext
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
        frame = context.frame()
        source = context.source
        design = design_of(context, context.wave)
        wave = context.wave
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
        n = len(frame)
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
        if context.detailed and campaign is not None:
            counts: dict[str, int] = (
                {str(k): int(v) for k, v in frame["agency_unit"].value_counts().items()}
                if n
                else {}
            )
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
