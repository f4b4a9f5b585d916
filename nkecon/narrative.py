"""Every sentence nkecon writes about its results, generated from parameters and data.

A report's title, headings and opening sentence come from here, from the focus year, the
``as_of`` date and the figures as then published: a growth year is told as growth, and a
corrected figure in the data shows up in the words. Charts and notebooks call these
functions rather than writing their own sentences.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .analysis.common import DRIVERS, verb
from .results import Result

__all__ = ["DRIVER_WORDS", "exposure_sentence", "title", "opening", "attribution_summary", "regression_verdict", "comparison_sentences",
           "alternatives_summary", "bok_summary", "bok_sentence", "revision_sentence"]

#: How a driver is named in a sentence.
DRIVER_WORDS = {"sanctions": "the UN bans", "border_closure": "the border closure", "weather": "the weather",
                "unexplained": "what the three drivers do not explain"}


def _pct(x: float) -> str:
    return f"{abs(x):.1f}%"


def title(focus_year: int, growth: float) -> str:
    """The report's title for a year, its verb following the sign of growth.

    Parameters
    ----------
    focus_year : int
        The year.
    growth : float
        Its real GDP growth, percent.

    Returns
    -------
    str

    Examples
    --------
    >>> title(2020, -4.5)
    "Why did North Korea's economy shrink 4.5% in 2020?"
    >>> title(2023, 3.1)
    "Why did North Korea's economy grow 3.1% in 2023?"
    """
    if growth == 0:
        return f"Why was North Korea's economy flat in {focus_year}?"
    return f"Why did North Korea's economy {verb(growth, up='grow', down='shrink')} {_pct(growth)} in {focus_year}?"


def opening(focus_year: int, gdp: pd.DataFrame, *, current: pd.DataFrame | None = None, as_of: Any = None) -> str:
    """The report's opening paragraph: the year's growth as published on ``as_of``, its
    rank in the record, and what later releases changed.

    Parameters
    ----------
    focus_year : int
        The year.
    gdp : DataFrame
        The GDP series as known on ``as_of`` (``load_gdp(as_of=...)``).
    current : DataFrame, optional
        The current series, to say what later releases changed.
    as_of : date, optional
        The date the story is told from.

    Returns
    -------
    str

    Examples
    --------
    >>> import nkecon as nk
    >>> opening(2020, nk.load_gdp()).split(" (")[0]
    'Real GDP shrank 4.5% in 2020'
    """
    g = gdp.set_index("year")
    growth = float(g.loc[focus_year, "growth_pct"])
    when = pd.Timestamp(g.loc[focus_year, "release_date"])
    basis = g.loc[focus_year, "release_date_basis"] if "release_date_basis" in g.columns else "release"
    release = (f"BOK series as observed on {when:%d %B %Y}" if basis == "observed" else f"BOK release of {when:%d %B %Y}")
    latest = current is None or pd.Timestamp(current["release_date"].max()) <= pd.Timestamp(as_of or when)
    words = [f"Real GDP {verb(growth)} {_pct(growth)} in {focus_year} ({release}"
             + (", the current series)." if latest else f", as known on {pd.Timestamp(as_of):%d %B %Y}).")]
    earlier = g[g.index < focus_year]["growth_pct"]
    if growth < 0:
        worse = earlier[earlier <= growth]
        words.append(f"The worst year since {int(worse.index.max())} ({worse.iloc[-1]:+.1f}%)." if len(worse)
                     else "The worst year in the record.")
    elif growth > 0:
        better = earlier[earlier >= growth]
        words.append(f"The best year since {int(better.index.max())} ({better.iloc[-1]:+.1f}%)." if len(better)
                     else "The best year in the record.")
    if not latest and current is not None:
        now = float(current.set_index("year").loc[focus_year, "growth_pct"])
        change = (f"Later releases changed {focus_year} by {now - growth:+.1f} points (current series: {now:+.1f}%)"
                  if abs(now - growth) >= 0.05 else f"Later releases left {focus_year} unchanged")
        words.append(f"{change}; the growth figures below are those known then, the industry figures the current ones.")
    return " ".join(words)


def attribution_summary(attribution: Result) -> str:
    """The split of a year in words: each driver's points, interval and measured shock.

    Parameters
    ----------
    attribution : Result
        From :func:`nkecon.analysis.attribute_drivers`.

    Returns
    -------
    str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> "border closure" in attribution_summary(an.attribute_drivers(year=2020, draws=200))
    True
    """
    t = attribution.table.set_index("driver")
    year, headline = int(attribution.info["year"]), float(attribution.info["headline_pct"])
    level = f"{attribution.info['interval']:.0%}"
    parts = []
    for d in DRIVERS:
        r = t.loc[d]
        if d in attribution.info["absent"]:
            parts.append(f"{DRIVER_WORDS[d]} 0 ({attribution.info['why_zero'][d]})")
            continue
        parts.append(f"{DRIVER_WORDS[d]} {r.pp:+.2f} pp ({level} interval {r.lower_pp:+.2f} to {r.upper_pp:+.2f})")
    s = attribution.info["shocks"]
    measured = []
    if s.get("sanctions_bn"):
        measured.append(f"the bans newly cut US$ {-1000 * s['sanctions_bn']:,.0f} million of trade")
    if s.get("closure_bn"):
        measured.append(f"trade with China {verb(s['closure_bn'], up='rose', down='fell')} by US$ "
                        f"{abs(1000 * s['closure_bn']):,.0f} million ({s.get('phase') or 'closure'})")
    if pd.notna(s.get("weather")):
        measured.append(f"the harvest was {abs(s['weather']):.1f}% {'above' if s['weather'] > 0 else 'below'} trend")
    shocks = ("Measured shocks: " + "; ".join(measured) + ". ") if measured else ""
    return (f"{shocks}Of the {headline:+.1f}% in {year}: " + "; ".join(parts) + ".")


def regression_verdict(regression: Result, attribution: Result, *, driver: str = "border_closure") -> str:
    """A sentence saying whether the regression supports, contradicts or cannot tell the
    attribution's figure for one driver in the attribution's year, with the minimum
    detectable effect beside the verdict.

    It *supports* the attribution when the implied effect's interval excludes 0 and includes
    the attributed points; it *contradicts* it when its interval excludes them; otherwise it
    *cannot tell*.

    Parameters
    ----------
    regression : Result
        From :func:`nkecon.analysis.growth_regression`.
    attribution : Result
        From :func:`nkecon.analysis.attribute_drivers`.
    driver : str
        ``border_closure``, ``sanctions`` or ``weather``.

    Returns
    -------
    str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> s = regression_verdict(an.growth_regression(), an.attribute_drivers(year=2020, draws=200))
    >>> any(w in s for w in ("supports", "contradicts", "cannot tell"))
    True
    """
    from .analysis.regression import implied_effect

    year = int(attribution.info["year"])
    name = DRIVER_WORDS[driver]
    attributed = float(attribution.table.set_index("driver").loc[driver, "pp"])
    e = implied_effect(regression, year, driver)
    if e is None:
        return f"The regression cannot tell about {name} in {year}: the term is not in the model or the year not in its sample."
    if e["x"] == 0:
        return (f"The regression has nothing to say about {name} in {year}: its measured shock is 0 that year, as is "
                f"the attribution ({attributed:+.2f} pp).")
    level = 100 * (1 - float(regression.info["alpha"]))
    span = f"{e['point']:+.2f} pp ({level:.0f}% CI {e['lower']:+.2f} to {e['upper']:+.2f})"
    if e["lower"] <= attributed <= e["upper"] and not e["lower"] <= 0 <= e["upper"]:
        word = "supports"
    elif not e["lower"] <= attributed <= e["upper"]:
        word = "contradicts"
    else:
        word = "cannot tell"
    return (f"The regression ({regression.info['spec']}) {word} the attribution of {attributed:+.2f} pp to {name} in "
            f"{year}: it implies {span}; the smallest effect it could detect that year is {e['mde']:.1f} pp "
            f"(80% power).")


def comparison_sentences(compared: Result) -> list[str]:
    """One sentence per published estimate set beside nkecon's split.

    Parameters
    ----------
    compared : Result
        From :func:`nkecon.analysis.compare_estimates`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> comparison_sentences(an.compare_estimates(an.attribute_drivers(year=2012, draws=200)))
    []
    """
    out = []
    for r in compared.table.itertuples():
        pub = (f"{r.published:+.2f}" if pd.notna(r.published) else f"{r.published_low:+.2f} to {r.published_high:+.2f}")
        words = {"agrees": "agrees with it under the headline and every structural alternative",
                 "disagrees": "disagrees with it under every specification",
                 "depends on the specification": f"agrees with it under {r.specs_agreeing} specifications only"}
        out.append(f"{r.publisher or r.study} ({r.method}) puts {r.driver.replace('_', ' ')} at {pub} {r.unit}; nkecon's "
                   f"{r.nkecon_pp:+.2f} pp ({r.nkecon_lower:+.2f} to {r.nkecon_upper:+.2f}) {words[r.verdict]}.")
    return out


def alternatives_summary(alternatives: Result, driver: str = "border_closure") -> str:
    """The range of one driver's points across the structural alternatives.

    Parameters
    ----------
    alternatives : Result
        From :func:`nkecon.analysis.structural_alternatives`.
    driver : str
        The driver.

    Returns
    -------
    str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> alternatives_summary(an.structural_alternatives(2020, draws=100)).startswith("Across")
    True
    """
    t = alternatives.table[alternatives.table["driver"] == driver]
    if t.empty:
        return ""
    lo, hi = t.loc[t["pp"].idxmin()], t.loc[t["pp"].idxmax()]
    return (f"Across {len(t)} specifications, the contribution of {DRIVER_WORDS[driver]} in {alternatives.info['year']} "
            f"ranges from {lo.pp:+.2f} pp ({lo.spec.replace('_', ' ')}) to {hi.pp:+.2f} pp ({hi.spec.replace('_', ' ')}).")


def bok_summary(comparison: Result, focus_year: int) -> str:
    """How often nkecon's signs agree with the causes the BOK named, and for the focus year.

    Parameters
    ----------
    comparison : Result
        From :func:`nkecon.analysis.bok_comparison`.
    focus_year : int
        The year of the report.

    Returns
    -------
    str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> causes = pd.DataFrame({"year": [2019], "cause": ["sanctions"], "industry": ["economy"],
    ...                        "direction": ["raised"], "words_en": ["not tightened further"]})
    >>> bok_summary(an.bok_comparison(causes), 2019)
    'nkecon agrees in sign with 1 of the 1 causes the BOK named in the years it splits; in 2019, with 1 of 1.'
    """
    t = comparison.table
    here = t[t["year"] == focus_year]
    text = (f"nkecon agrees in sign with {int(t['agrees'].sum())} of the {len(t)} causes the BOK named in the years it "
            "splits")
    if len(here):
        text += f"; in {focus_year}, with {int(here['agrees'].sum())} of {len(here)}."
    else:
        text += f"; the BOK's words for {focus_year} are not in the data."
    return text


def bok_sentence(row: Any) -> str:
    """Why nkecon's sign for a cause the BOK named agrees or not, in one sentence.

    Parameters
    ----------
    row : namedtuple
        A row of :func:`nkecon.analysis.bok_comparison`.

    Returns
    -------
    str

    Examples
    --------
    >>> from collections import namedtuple
    >>> R = namedtuple("R", "year cause industry driver bok_sign nkecon_pp agrees why")
    >>> bok_sentence(R(2019, "sanctions", "economy", "sanctions", "+", 0.0, True, ""))
    '2019, sanctions (economy): nkecon agrees with the BOK.'
    """
    verdict = "agrees with the BOK" if row.agrees else f"differs from the BOK: {row.why}"
    return f"{row.year}, {row.cause.replace('_', ' ')} ({row.industry.replace('_', ' ')}): nkecon {verdict}."


def revision_sentence(focus_year: int, revisions: Result) -> str:
    """How the BOK revised ``focus_year`` and the record, in words.

    Parameters
    ----------
    focus_year : int
        The year.
    revisions : Result
        From :func:`nkecon.analysis.gdp_revisions`.

    Returns
    -------
    str

    Examples
    --------
    >>> from nkecon import analysis as an
    >>> "2020 was first published" in revision_sentence(2020, an.gdp_revisions())
    True
    """
    r = revisions.table.set_index("year")
    words = []
    if focus_year in r.index:
        row = r.loc[focus_year]
        moved = ("has not been revised" if abs(row.revision_pp) < 0.05
                 else f"was revised by {row.revision_pp:+.1f} points since")
        words.append(f"{focus_year} was first published as {row.first_pct:+.1f}% on {row.first_release:%d %B %Y} and "
                     f"{moved}; it stands at {row.latest_pct:+.1f}% in the latest release.")
    words.append(f"The BOK has revised {revisions.info['years_revised']} of {len(r)} years since their first release, by "
                 f"{revisions.info['mean_abs_revision_pp']:.2f} points on average (largest "
                 f"{revisions.info['max_abs_revision_pp']:.1f}).")
    return " ".join(words)


def exposure_sentence(exposure: Result, published: Any) -> str:
    """Whether a published share of exports banned lies within nkecon's exposure bounds.

    Parameters
    ----------
    exposure : Result
        From :func:`nkecon.analysis.sanctions_exposure`.
    published : namedtuple
        A row of ``published_estimates`` with outcome ``exports_share_banned``.

    Returns
    -------
    str

    Examples
    --------
    >>> import nkecon as nk
    >>> from nkecon import analysis as an
    >>> row = next(nk.load_published_estimates().query("outcome == 'exports_share_banned'").itertuples())
    >>> "nkecon's bounds" in exposure_sentence(an.sanctions_exposure(), row)
    True
    """
    last = exposure.table.iloc[-1]
    lo, hi, unpriced = float(last.lower_pct), float(last.upper_pct), float(last.unpriced_pct)
    value = published.effect_low if pd.notna(published.effect_low) else published.effect
    where = exposure.info["partner"]
    if lo <= value <= hi:
        verdict = "include it"
    elif hi < value <= hi + unpriced:
        verdict = (f"fall short of it; it holds only if most of the {unpriced:.0f}% of exports without a published "
                   "value by product were banned, which the data cannot tell")
    else:
        verdict = "do not include it, even counting every unpriced export as banned"
    return (f"{published.publisher} ({published.year_published}): over {value:.0f}% of exports banned; nkecon's bounds "
            f"({where} base, {int(last.year)}) are {lo:.0f}-{hi:.0f}% and {verdict}.")
