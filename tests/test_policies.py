"""Access policies: shared contract checks, plus each policy's defining behaviour.

Every policy's test class inherits :class:`PolicyContract` (the Axelrod pattern) and adds
a short scenario showing what makes that policy what it is.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import ClassVar

import pandas as pd
import pytest
from helpers import cutoff, small

import sim
from sim.config import Benchmarking, PolicyConfig
from sim.model.policies import (
    POLICIES,
    AccessPolicy,
    Action,
    ClientView,
    Decision,
    Graduated,
    Permissive,
    Preemptive,
    RevokeOnDetection,
    SafeHarbor,
    Stakes,
    Strategic,
    TitForTat,
    make_policy,
)

PARAMS = PolicyConfig(forgive_after=3, revoke_duration=None)


def view(**changes: object) -> ClientView:
    base = ClientView(
        step=5,
        is_rival=True,
        detected=False,
        mode=Benchmarking.rival_api,
        offences=0,
        quiet_months=10**9,
        throttled=False,
        revoked=False,
        revoked_by_policy=False,
        provoked=False,
        stakes=STAKES,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


STAKES = Stakes(
    revenue=0.5,
    leak=0.01,
    eval_leak=0.004,
    fee=0.016,
    own_access=0.0,
    retaliation_risk=0.4,
    reputation_loss=0.05,
    legal_risk=0.1,
    carveout_news=0.5,
)
"""A distilling rival on the defaults: leakage worth restricting."""


def all_views() -> list[ClientView]:
    """Every combination of the facts a policy may read."""
    views = []
    for det, mode, off, quiet, thr, rev, byp, prov, rival in itertools.product(
        (False, True),
        tuple(Benchmarking),
        (0, 1, 2, 3, 5),
        (0, 1, 3, 10**9),
        (False, True),
        (False, True),
        (False, True),
        (False, True),
        (False, True),
    ):
        views.append(
            view(
                detected=det,
                mode=mode,
                offences=off,
                quiet_months=quiet,
                throttled=thr,
                revoked=rev,
                revoked_by_policy=byp,
                provoked=prov,
                is_rival=rival,
            )
        )
    return views


def events_of(policy: str, **changes: object) -> pd.DataFrame:
    """Events of a small run where every provider plays `policy` and watches closely."""
    providers = {
        name: dataclasses.replace(p, monitoring=5.0) for name, p in sim.Config().providers.items()
    }
    config = small(
        policy=PolicyConfig(name=policy, forgive_after=3), providers=providers, **changes
    )
    return sim.run(config, figures=False).events


class PolicyContract:
    policy_cls: ClassVar[type[AccessPolicy]]

    def make(self) -> AccessPolicy:
        return make_policy(self.policy_cls.name, PARAMS)

    def test_registered_under_its_name(self) -> None:
        assert POLICIES[self.policy_cls.name] is self.policy_cls

    def test_decisions_are_valid(self) -> None:
        policy = self.make()
        for v in all_views():
            d = policy.decide(v)
            assert isinstance(d, Decision) and isinstance(d.action, Action)
            assert d.duration is None or d.duration >= 1
            if v.revoked:
                assert d.action is not Action.REVOKE, "cannot revoke twice"
            else:
                assert d.action is not Action.REINSTATE, "nothing to reinstate"

    def test_traits_match_decisions(self) -> None:
        policy = self.make()
        restricting = (Action.THROTTLE, Action.CARVE_OUT, Action.REVOKE)
        for v in all_views():
            action = policy.decide(v).action
            if self.policy_cls.needs_detection and not v.detected:
                assert action not in restricting, v
            evaluating = v.mode is not Benchmarking.distill
            if not self.policy_cls.punishes_evaluation and evaluating and not v.provoked:
                assert action not in restricting, v

    def test_deterministic_under_a_seed(self) -> None:
        a = events_of(self.policy_cls.name, seed=4)
        b = events_of(self.policy_cls.name, seed=4)
        pd.testing.assert_frame_equal(a, b)


class TestPermissive(PolicyContract):
    policy_cls = Permissive

    def test_never_restricts_even_when_detecting(self) -> None:
        ev = events_of("permissive")
        assert (ev["kind"] == "detection").sum() > 10
        assert not ev["kind"].isin(["warning", "throttle", "revocation"]).any()


class TestRevokeOnDetection(PolicyContract):
    policy_cls = RevokeOnDetection

    def test_revokes_at_the_first_detection(self) -> None:
        ev = events_of("revoke_on_detection")
        first = ev[ev["kind"] == "detection"].groupby(["actor", "target"])["step"].min()
        revoked = ev[ev["kind"] == "revocation"].groupby(["actor", "target"])["step"].min()
        assert len(revoked) > 0
        pd.testing.assert_series_equal(first.loc[revoked.index], revoked)


class TestGraduated(PolicyContract):
    policy_cls = Graduated

    def test_warns_then_throttles_then_revokes(self) -> None:
        policy = self.make()
        steps = [
            policy.decide(view(detected=True, offences=k, quiet_months=0)).action for k in (1, 2, 3)
        ]
        assert steps == [Action.WARN, Action.THROTTLE, Action.REVOKE]

    def test_forgives_after_k_quiet_months(self) -> None:
        policy = self.make()
        assert policy.decide(view(offences=2, quiet_months=2)).action is Action.ALLOW
        assert policy.decide(view(offences=2, quiet_months=3)).action is Action.FORGIVE

    def test_in_a_run_sanctions_escalate_in_order(self) -> None:
        ev = events_of("graduated")
        for (actor, target), g in ev.groupby(["actor", "target"]):
            kinds = [k for k in g["kind"] if k in ("warning", "throttle", "revocation")]
            if "revocation" in kinds:
                assert (
                    kinds.index("warning") < kinds.index("throttle") < kinds.index("revocation")
                ), (actor, target, kinds)
        assert (ev["kind"] == "revocation").any()

    def test_in_a_run_a_reformed_client_is_forgiven(self) -> None:
        """Caught twice, the challenger stops distilling: its throttle is lifted later."""
        config = small(policy=PolicyConfig(name="graduated", forgive_after=3))
        model = sim.AccessModel(config)
        cloud = model.provider("cloud")
        cloud.monitoring = 50.0
        challenger = model.lab("challenger")
        for _ in range(2):
            model.step()
        challenger.intensity = 0.0
        for _ in range(8):
            model.step()
        ev = pd.DataFrame(model.event_log)
        mine = ev[(ev["actor"] == "cloud") & (ev["target"] == "challenger")]
        mine = mine[mine["kind"] != "detection"]
        assert list(mine["kind"].iloc[:2]) == ["warning", "throttle"]
        assert "reinstatement" in set(mine["kind"])
        assert "revocation" not in set(mine["kind"])
        assert cloud.records["challenger"].offences == 0


class TestTitForTat(PolicyContract):
    policy_cls = TitForTat

    def test_ignores_detection(self) -> None:
        policy = self.make()
        assert policy.decide(view(detected=True, offences=9, quiet_months=0)).action is (
            Action.ALLOW
        )

    def test_retaliates_only_after_its_own_lab_was_revoked(self) -> None:
        config = small(policy=PolicyConfig(name="tit_for_tat"), scenario=cutoff(at=10))
        ev = sim.run(config, figures=False).events
        revs = ev[ev["kind"] == "revocation"]
        assert list(zip(revs["step"], revs["actor"], revs["target"], strict=True))[:2] == [
            (10, "incumbent_api", "rival"),
            (10, "rival_api", "incumbent"),
        ]
        assert (ev["kind"] == "retaliation").sum() == 1

    def test_relents_when_the_other_side_reinstates(self) -> None:
        config = small(policy=PolicyConfig(name="tit_for_tat"), scenario=cutoff(at=10, duration=5))
        ev = sim.run(config, figures=False).events
        back = ev[(ev["kind"] == "reinstatement")]
        assert set(zip(back["actor"], back["target"], strict=True)) == {
            ("incumbent_api", "rival"),
            ("rival_api", "incumbent"),
        }


class TestPreemptive(PolicyContract):
    policy_cls = Preemptive

    def test_denies_every_rival_from_the_first_month(self) -> None:
        config = small(policy=PolicyConfig(name="preemptive"))
        model = sim.simulate(config.replace(steps=1))
        for p in model.providers:
            for lab in model.labs:
                if lab.name == p.owner:
                    continue
                state = model.access_graph.edges[lab.name, p.name]["state"].value
                assert state == ("revoked" if p.is_rival(lab.name) else "allowed")
        # Denied before month 1's research: standing terms (logged at month 0), not news.
        assert all(ev["step"] == 0 for ev in model.event_log if ev["kind"] == "revocation")
        assert model.lab("rival").spillover[0] == 0.0  # no rival-API learning in month 1


class TestSafeHarbor(PolicyContract):
    policy_cls = SafeHarbor

    def test_evaluation_is_never_revoked_but_distillation_is(self) -> None:
        ev = events_of("safe_harbor")
        detected = ev[ev["kind"] == "detection"]
        assert {"rival_api", "distill"} <= set(detected["reason"])
        revoked = set(ev.loc[ev["kind"] == "revocation", "target"])
        assert revoked == {"challenger"}, revoked  # the only distilling lab

    def test_decision_table(self) -> None:
        policy = self.make()
        assert policy.decide(view(detected=True, mode=Benchmarking.rival_api)).action is (
            Action.ALLOW
        )
        assert policy.decide(view(detected=True, mode=Benchmarking.distill)).action is (
            Action.REVOKE
        )


class TestStrategic(PolicyContract):
    policy_cls = Strategic

    def decide(self, **stakes: float) -> Action:
        s = dataclasses.replace(STAKES, **stakes)
        return self.make().decide(view(detected=True, mode=Benchmarking.distill, stakes=s)).action

    def test_restricts_when_leakage_outweighs_reputation_and_allows_without_leakage(
        self,
    ) -> None:
        assert self.decide(leak=0.05, eval_leak=0.02) in (Action.CARVE_OUT, Action.REVOKE)
        assert self.decide(leak=0.0, eval_leak=0.0) is Action.ALLOW

    def test_reputation_deters_and_a_quiet_throttle_is_preferred_when_leakage_is_modest(
        self,
    ) -> None:
        strong = self.decide(leak=0.05, eval_leak=0.02)
        assert strong in (Action.CARVE_OUT, Action.REVOKE)
        assert self.decide(leak=0.05, eval_leak=0.02, reputation_loss=1.0) in (
            Action.ALLOW,
            Action.THROTTLE,
        )
        assert self.decide() is Action.THROTTLE

    def test_the_carve_out_wins_when_evaluation_leaks_little_or_pays_fees(self) -> None:
        # Evaluation that carries most of the leakage is worth revoking outright ...
        assert self.decide(leak=0.05, eval_leak=0.045, fee=0.0) is Action.REVOKE
        # ... evaluation that carries little of it is left alone: a carve-out.
        assert self.decide(leak=0.05, eval_leak=0.0, fee=0.0) is Action.CARVE_OUT
        # A carve-out keeps evaluation's fees, a revocation forfeits them.
        assert self.decide(leak=0.05, eval_leak=0.045, fee=1.0) is Action.CARVE_OUT

    def test_retaliation_risk_deters_when_the_owner_depends_on_the_client(self) -> None:
        assert self.decide(leak=0.05, eval_leak=0.02, own_access=0.2, retaliation_risk=1.0) in (
            Action.ALLOW,
            Action.THROTTLE,
        )

    def test_a_disarmed_provider_never_revokes_or_carves_out(self) -> None:
        s = dataclasses.replace(STAKES, leak=0.5, eval_leak=0.0)
        v = view(detected=True, mode=Benchmarking.distill, stakes=s, may_revoke=False)
        assert self.make().decide(v).action is Action.THROTTLE

    def test_in_a_run_high_leakage_is_restricted_and_absent_leakage_is_not(self) -> None:
        labs = dict(sim.Config().labs)
        labs["rival"] = dataclasses.replace(
            labs["rival"], benchmarking=Benchmarking.distill, intensity=1.0
        )
        labs["incumbent"] = dataclasses.replace(
            labs["incumbent"], capability={"coding": 2.0, "reasoning": 1.6, "general": 1.6}
        )
        ev = events_of("strategic", labs=labs, steps=12)
        cut = ev[ev["kind"].isin(["revocation", "carve_out"])]
        assert "rival" in set(cut["target"]), ev.kind.value_counts()
        quiet = {n: dataclasses.replace(c, intensity=0.0) for n, c in labs.items()}
        ev = events_of("strategic", labs=quiet, steps=12)
        assert not ev["kind"].isin(["detection", "throttle", "revocation", "carve_out"]).any()

    def test_detection_tightens_monitoring_which_then_relaxes(self) -> None:
        config = small(policy=PolicyConfig(name="strategic"), steps=24)
        ts = sim.run(config, figures=False).timeseries
        base = sim.Config().providers["incumbent_api"].monitoring
        assert ts["monitoring__incumbent_api"].max() > 1.4 * base
        permissive = sim.run(small(steps=24), figures=False).timeseries
        assert (permissive["monitoring__incumbent_api"] == base).all()


def test_every_registered_policy_has_a_contract_test() -> None:
    tested = {cls.policy_cls for cls in PolicyContract.__subclasses__()}
    assert tested == set(POLICIES.values())


def test_provider_policies_are_selected_by_name() -> None:
    providers = dict(sim.Config().providers)
    providers["cloud"] = dataclasses.replace(providers["cloud"], policy="graduated")
    model = sim.AccessModel(small(providers=providers, policy=PolicyConfig(name="preemptive")))
    assert isinstance(model.provider("cloud").policy, Graduated)
    assert isinstance(model.provider("rival_api").policy, Preemptive)


@pytest.mark.parametrize("name", list(POLICIES))
def test_policy_runs_keep_access_graph_consistent(name: str) -> None:
    model = sim.simulate(small(policy=PolicyConfig(name=name), scenario=cutoff(at=6)))
    for lab, prov, state in model.access_graph.edges(data="state"):
        assert lab != model.provider(prov).owner
        assert state.value in {"allowed", "throttled", "revoked"}
