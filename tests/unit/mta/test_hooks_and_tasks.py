"""Hooks and `tasks` in the model: typed, placeholders and references resolved per phase, extension
descriptors changing only hook parameters, and the deploy service's refusals for what cannot run."""

from __future__ import annotations

import re

import pytest
from conftest import EXAMPLES
from helpers import model

from bgdeploy.errors import ContentError
from bgdeploy.mta import load_descriptor, resolve
from bgdeploy.mta.model import HookSpec, TaskSpec

DESCRIPTOR = """\
_schema-version: "3.3"
ID: shop
version: 1.0.0
parameters:
  apps-task-execution-timeout: 600
modules:
  - name: web
    type: staticfile
    parameters:
      memory: 64M
      tasks:
        - name: migrate
          command: "./migrate --to ${mta-version}"
          memory: 128M
          disk-quota: 1G
    hooks:
      - name: warm-up
        type: task
        phases: [blue-green.application.before-start.live, blue-green.application.before-start.idle]
        parameters:
          command: "curl ${default-url}/warm --token ~{creds/token}"
        requires:
          - name: creds
      - name: drain
        type: task
        phases: [blue-green.application.before-stop.live]
        parameters:
          name: drain-task
          command: "./drain ${app-name}"
          memory: 256M
  - name: api
    type: staticfile
    parameters:
      task-execution-timeout: 30
resources:
  - name: creds
    properties:
      token: s3cret
"""


def test_tasks_and_hooks_are_typed_and_resolved(ctx) -> None:
    web = model(DESCRIPTOR, ctx).app("web")
    assert web.tasks == [TaskSpec(name="migrate", command="./migrate --to 1.0.0", memory_mb=128, disk_mb=1024)]
    assert web.hooks == [
        HookSpec(name="warm-up", phases=["blue-green.application.before-start.live",
                                         "blue-green.application.before-start.idle"],
                 task=TaskSpec(name="warm-up",
                               command="curl https://myorg-dev-web.cfapps.example.com/warm --token s3cret")),
        HookSpec(name="drain", phases=["blue-green.application.before-stop.live"],
                 task=TaskSpec(name="drain-task", command="./drain web", memory_mb=256)),
    ]
    assert web.task_timeout_s == 600  # the global timeout
    assert model(DESCRIPTOR, ctx).app("api").task_timeout_s == 30  # the module's own wins
    assert model(DESCRIPTOR, ctx).warnings == []


def test_hook_parameters_read_the_idle_values_in_the_idle_phase(ctx) -> None:
    web = model(DESCRIPTOR, ctx, phase="idle").app("web")
    assert web.hooks[0].task.command == "curl https://myorg-dev-web-idle.cfapps.example.com/warm --token s3cret"


def test_an_extension_changes_hook_parameters_only(ctx) -> None:
    ext = """\
    _schema-version: "3.3"
    ID: shop-ext
    extends: shop
    modules:
      - name: web
        hooks:
          - name: drain
            parameters:
              command: "./drain --fast"
    """
    drain = model(DESCRIPTOR, ctx, exts=(ext,)).app("web").hooks[1]
    assert drain.task == TaskSpec(name="drain-task", command="./drain --fast", memory_mb=256)
    assert drain.phases == ["blue-green.application.before-stop.live"]


def test_an_extension_cannot_add_a_hook(ctx) -> None:
    ext = """\
    _schema-version: "3.3"
    ID: shop-ext
    extends: shop
    modules:
      - name: web
        hooks:
          - name: new-one
            parameters: {command: x}
    """
    with pytest.raises(ContentError, match='unknown hook "new-one" of "web"'):
        model(DESCRIPTOR, ctx, exts=(ext,))


@pytest.mark.parametrize(("change", "message"), [
    (("blue-green.application.before-stop.live]", "blue-green.application.during-lunch]"),
     'Unsupported hook phase "blue-green.application.during-lunch"'),
    (("name: drain\n        type: task", "name: drain\n        type: script"),
     'Unsupported hook type "script" of hook "drain"'),
    (('command: "./drain ${app-name}"', 'disk-quota: 1G'),
     'Parameters of hook drain with type "task" are incomplete. Expected at least "command".'),
    (("- name: migrate\n", "- name: ''\n"), "must be a non-empty string"),
    (("memory: 128M", "memory: lots"), '"lots" is not a size'),
])
def test_what_cannot_run_is_refused(ctx, change: tuple[str, str], message: str) -> None:
    text = DESCRIPTOR.replace(*change)
    assert text != DESCRIPTOR
    with pytest.raises(ContentError, match=re.escape(message)):
        model(text, ctx)


def test_a_hook_needs_a_phase(ctx) -> None:
    with pytest.raises(ContentError, match="must name at least one phase"):
        model(DESCRIPTOR.replace("phases: [blue-green.application.before-stop.live]", "phases: []"), ctx)


def test_global_dependency_aware_stop_order(ctx) -> None:
    assert model(DESCRIPTOR, ctx).dependency_aware_stop_order is False
    text = DESCRIPTOR.replace("parameters:\n  apps-task", "parameters:\n  bg-dependency-aware-stop-order: true\n"
                                                        "  apps-task", 1)
    assert model(text, ctx).dependency_aware_stop_order is True


def test_the_corpus_hooks_example_carries_every_hook(ctx) -> None:
    d = load_descriptor((EXAMPLES / "hooks" / "mtad.yaml").read_text(), "mtad.yaml")
    app = resolve(d, [], ctx, "idle").app("cf-app-with-hooks")
    assert len(app.hooks) == 10
    assert {h.name: h.task.name for h in app.hooks}["blue-green-before-stop-live"] == "blue-green-before-stop-live"
    assert all(len(h.phases) == 1 and h.task.command.startswith("echo ") for h in app.hooks)
