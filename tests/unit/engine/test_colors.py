from bgdeploy.engine import colors
from bgdeploy.store import OperationRecord


def run(state: str, phase: str, idle: str) -> OperationRecord:
    return OperationRecord(id="1", process_type="BLUE_GREEN_DEPLOY", state=state, space_guid="s", org_guid="o",
                           org_name="o", space_name="s", api_endpoint="x", skip_ssl=False, started_by="u",
                           started_at=0, phase=phase, idle_color=idle)


def test_nothing_deployed_starts_blue() -> None:
    assert colors.decide(set(), None, None) == colors.ColorDecision(None, "BLUE")


def test_one_colour_deployed_is_live() -> None:
    assert colors.decide({"GREEN"}, None, "GREEN").live == "GREEN"
    assert colors.decide({"GREEN"}, None, "GREEN").idle == "BLUE"


def test_both_colours_after_abort_before_switch_keep_old_live() -> None:
    decision = colors.decide({"BLUE", "GREEN"}, run("ABORTED", "IDLE", "GREEN"), "GREEN")
    assert (decision.live, decision.idle) == ("BLUE", "GREEN")


def test_both_colours_after_abort_once_undeploy_began_new_is_live() -> None:
    decision = colors.decide({"BLUE", "GREEN"}, run("ABORTED", "UNDEPLOY", "GREEN"), "BLUE")
    assert (decision.live, decision.idle) == ("GREEN", "BLUE")


def test_history_wins_over_age() -> None:
    # The oldest app is green, but the last run says blue is live: never guess from age then.
    decision = colors.decide({"BLUE", "GREEN"}, run("ABORTED", "AFTER_RESUME", "GREEN"), "GREEN")
    assert decision.live == "BLUE"


def test_names() -> None:
    assert colors.color_of("web-green") == "GREEN"
    assert colors.color_of("web") is None
    assert colors.colored_name("web", "BLUE") == "web-blue"
