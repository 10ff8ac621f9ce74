"""Money (phase 7): developers pay for quality relative to their alternatives, client labs
pay API fees, and revenue flows to providers and their labs (docs/ODD.md §7.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.population import QUALITY_FLOOR

if TYPE_CHECKING:
    from sim.model.model import AccessModel


def best_alternative_lead(
    quality: np.ndarray, choice: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """Per developer, log quality of the chosen option over the best other option it could
    switch to (negative when it stays with a worse option for trust or price)."""
    # The best and second-best values of each row, by a running maximum over the few
    # options: the values np.partition(-quality, 1) gives, at a tenth of its cost (the
    # partition alone was about a tenth of a month's step).
    best = quality[:, 0].copy()
    second = np.full_like(best, -np.inf)
    for column in quality.T[1:]:
        np.maximum(second, np.minimum(best, column), out=second)
        np.maximum(best, column, out=best)
    alternative = np.where(chosen >= best, second, best)
    lead: np.ndarray = np.log(np.maximum(chosen, QUALITY_FLOOR)) - np.log(
        np.maximum(alternative, QUALITY_FLOOR)
    )
    return lead


def _usage_split(labs: np.ndarray, usage: np.ndarray, n_labs: int) -> np.ndarray:
    """Each lab's share of `usage` by the lab each developer's model comes from (-1, the
    legacy open model, earns nobody anything); zeros when there is no usage."""
    known = labs >= 0
    by_lab = np.bincount(labs[known], weights=usage[known], minlength=n_labs)
    total = float(usage.sum())
    return by_lab / total if total > 0 else by_lab * 0.0


def settle(model: AccessModel, *, invest: bool = True) -> None:
    """Developer spend, each developer in the market paying its option's price plus a
    premium for its lead over its best alternative, in proportion to its usage, is split
    into the month's market value (`market_value` per unit of mean usage: the market grows
    as developers enter and use more; developers outside it pay nothing); providers earn
    it and labs' API fees; first-party providers pass both to their lab, a marketplace
    keeps its fee and passes the rest to the labs it served, and a share of self-hosting
    spend licenses the open weights self-hosters run. Then labs set next month's compute
    (not with `invest=False`: month 0's accounts only tell providers where they stand)."""
    pop, market = model.population, model.config.market
    n_options = len(model.providers) + 1
    prices = model.option_prices()
    premium = 1.0 + market.lead_premium * np.maximum(pop.lead, 0.0)
    usage = pop.usage
    spend = np.bincount(
        pop.choice, weights=prices[pop.choice] * premium * usage, minlength=n_options
    )
    total = spend.sum()
    size = pop.market_size
    value = market.market_value * size
    revenue = value * spend / total if total > 0 else np.zeros(n_options)
    dev_revenue = np.zeros(len(model.labs))
    fees_earned = np.zeros(len(model.labs))
    api_spend = np.zeros(len(model.labs))
    for i, p in enumerate(model.providers):
        p.developer_revenue = float(revenue[i])
        p.client_fees = 0.0
        for client, use in p.usage.items():
            fee = market.client_price * use.volume
            p.client_fees += fee
            api_spend[model.lab_index(client)] += fee
        on_p = pop.choice == i
        p.lead = float(pop.lead[on_p].mean()) if on_p.any() else 0.0
        if p.owner is not None:
            owner = model.lab_index(p.owner)
            dev_revenue[owner] += p.developer_revenue
            fees_earned[owner] += p.client_fees
            p.payoff = p.revenue
        else:
            split = _usage_split(pop.model_lab[on_p], usage[on_p], len(model.labs))
            dev_revenue += (1.0 - market.marketplace_fee) * p.developer_revenue * split
            p.payoff = market.marketplace_fee * p.developer_revenue + p.client_fees
    self_hosting = pop.choice == len(model.providers)
    split = _usage_split(pop.model_lab[self_hosting], usage[self_hosting], len(model.labs))
    dev_revenue += market.open_licence_share * revenue[-1] * split
    for i, lab in enumerate(model.labs):
        lab.developer_revenue = float(dev_revenue[i])
        lab.client_fees = float(fees_earned[i])
        lab.book(lab.developer_revenue + lab.client_fees, float(api_spend[i]))
        if invest:
            lab.invest(size)
