"""Hooks and `tasks` run as CC tasks on the right app at the right moment, in the deploy service's order;
a failing task fails the step with its name and state, and a retry runs it again (and nothing else twice)."""

from __future__ import annotations

import pytest

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.engine.steps import stop_old
from bgdeploy.engine.steps.deploy_apps import DeployApps
from bgdeploy.engine.steps.stop_old import StopOldApps
from bgdeploy.errors import InfrastructureError, StepTimeoutError

from .custom_mta import events, use
from .world import World, deploy

DESCRIPTOR = """\
_schema-version: "3.3"
ID: bg.sample
version: "@VERSION@"
modules:
  - name: web
    type: python
    path: web/
    parameters:
      memory: 64M
      command: python3 server.py
      tasks:
        - name: migrate
          command: "echo migrating to ${mta-version}"
    properties:
      MODULE: web
    hooks:
      - name: warm
        type: task
        phases: [blue-green.application.before-start.idle, blue-green.application.before-start.live]
        parameters:
          command: "echo warm $MODULE"
      - name: unmap
        type: task
        phases: [blue-green.application.before-unmap-routes.live]
        parameters:
          command: "echo unmap"
      - name: drain
        type: task
        phases: [blue-green.application.before-stop.live]
        parameters:
          name: drain-task
          command: 'test "$DRAIN" != fail'
      - name: stopped
        type: task
        phases: [blue-green.application.after-stop.live]
        parameters:
          command: "echo stopped"
"""


@pytest.fixture
def hooks_world(world: World) -> World:
    use(world, DESCRIPTOR)
    return world


@pytest.fixture
def old_apps_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """stop-old deletes each old app after its stop (test_steps_switch), and its tasks with it: these tests
    look at the old app's hook tasks after stop-old, so it stays for undeploy-old."""
    monkeypatch.setattr(stop_old, "_start_deletion", lambda ctx, old: None)


def test_hooks_and_tasks_run_in_the_official_order_on_the_right_colour(hooks_world: World, old_apps_stay: None
                                                                      ) -> None:
    world = hooks_world
    v1 = deploy(world, "1.0.0")
    # First deploy: one start, straight on the productive routes: the before-start hook once, then the tasks.
    assert events(world) == ["task:warm@web-blue", "start@web-blue", "task:migrate@web-blue"]
    before = len(events(world))
    deploy(world, "2.0.0", until="undeploy-old")  # (deleting an app deletes its tasks)
    assert events(world)[before:] == [
        "task:warm@web-green", "start@web-green", "task:migrate@web-green",  # idle phase
        "task:warm@web-green", "restart@web-green",  # resume: before-start.live, then the live start
        "task:unmap@web-blue",  # before-unmap-routes.live on the old colour
        "task:drain-task@web-blue", "stop@web-blue", "task:stopped@web-blue",  # around its stop
    ]
    assert {t["state"] for t in world.sim.state()["tasks"]} == {"SUCCEEDED"}
    migrate = [t for t in world.sim.state()["tasks"] if t["name"] == "migrate"]
    assert migrate[-1]["command"] == "echo migrating to 2.0.0"
    texts = world.messages(v1)
    assert texts.index('Executing hook "warm"') < texts.index('Executing task "warm" on application "web-blue"...')


def test_a_failing_hook_task_fails_the_step_and_a_retry_runs_it_again(hooks_world: World, old_apps_stay: None
                                                                     ) -> None:
    world = hooks_world
    deploy(world, "1.0.0")
    ctx = deploy(world, "2.0.0", until="stop-old")
    blue = world.app("web-blue")
    assert blue is not None
    world.cc().patch(f"/v3/apps/{blue['guid']}/environment_variables", {"var": {"DRAIN": "fail"}})
    with pytest.raises(InfrastructureError) as failed:
        world.run(StopOldApps(), ctx)
    assert str(failed.value) == ('Execution of task "drain-task" on application "web-blue" failed: task state '
                                 "FAILED (APP/TASK/drain-task: Exited with status 1)")
    assert world.app("web-blue")["state"] == "STARTED"  # not stopped: its hook failed

    world.cc().patch(f"/v3/apps/{blue['guid']}/environment_variables", {"var": {"DRAIN": "ok"}})
    retry = world.context("2.0.0", plan=DeploymentPlan.of(world.store.get_operation(ctx.op.id).data))
    world.run(StopOldApps(), retry)
    tasks = [(t["name"], t["state"]) for t in world.sim.state()["tasks"] if t["app_guid"] == blue["guid"]]
    assert tasks[2:] == [("unmap", "SUCCEEDED"), ("drain-task", "FAILED"), ("drain-task", "SUCCEEDED"),
                         ("stopped", "SUCCEEDED")]  # after v1's warm and migrate
    assert world.app("web-blue")["state"] == "STOPPED"
    before = len(world.sim.state()["tasks"])
    world.run(StopOldApps(), retry)  # done: nothing runs twice
    assert len(world.sim.state()["tasks"]) == before


def test_a_lost_answer_to_the_task_create_adopts_the_task(hooks_world: World) -> None:
    world = hooks_world
    ctx = deploy(world, "1.0.0", until="deploy-apps")
    world.sim.faults(rules=[{"target": "api", "methods": ["POST"], "path": "/tasks$", "rate_lost": 1.0,
                                    "times": 1}])
    world.run(DeployApps(), ctx)
    posts = [r for r in world.sim.requests() if r["method"] == "POST" and r["path"].endswith("/tasks")]
    assert [r.get("lost_status") for r in posts] == [202, None]  # warm's answer lost, then migrate
    assert [t["name"] for t in world.sim.state()["tasks"]] == ["warm", "migrate"]  # each exactly once


def test_a_task_past_its_timeout_is_cancelled_and_fails_the_step(hooks_world: World) -> None:
    world = hooks_world
    use(world, DESCRIPTOR.replace('command: "echo migrating to ${mta-version}"', 'command: "sleep 30"'))
    ctx = deploy(world, "1.0.0", until="deploy-apps", options=DeployOptions(apps_task_execution_timeout_s=5))
    with pytest.raises(StepTimeoutError, match='task "migrate" on application "web-blue" did not finish within 5 s'):
        world.run(DeployApps(), ctx)
    world.sim.settle()
    migrate = next(t for t in world.sim.state()["tasks"] if t["name"] == "migrate")
    assert migrate["state"] in ("CANCELING", "FAILED")
    assert 'Canceling task "migrate" on application "web-blue"...' in world.messages(ctx)


def test_plain_deploy_runs_the_deploy_phases(world: World) -> None:
    use(world, DESCRIPTOR.replace("blue-green.application.before-start.idle, blue-green.application.before-start.live",
                                  "deploy.application.before-start"))
    deploy(world, "1.0.0", scheme="plain", process_type="DEPLOY")
    assert events(world) == ["task:warm@web", "start@web", "task:migrate@web"]


def test_stop_hooks_of_the_new_app_run_around_the_resume_stop_only(world: World) -> None:
    """A new app is never stopped in the idle phase: its after-stop.idle hook waits for the resume's stop."""
    use(world, DESCRIPTOR.replace('''      - name: unmap''', '''      - name: idle-stop
        type: task
        phases: [blue-green.application.before-stop.idle]
        parameters: {command: "echo before"}
      - name: idle-stopped
        type: task
        phases: [blue-green.application.after-stop.idle]
        parameters: {command: "echo after"}
      - name: unmap'''))
    deploy(world, "1.0.0")
    before = len(events(world))
    deploy(world, "2.0.0", until="map-live-routes")
    assert events(world)[before:] == [
        "task:warm@web-green", "start@web-green", "task:migrate@web-green",  # idle phase: no stop hooks
        "task:idle-stop@web-green", "stop@web-green", "task:idle-stopped@web-green",  # resume: a real stop
        "task:warm@web-green", "start@web-green",  # then before-start.live and the live start
    ]
