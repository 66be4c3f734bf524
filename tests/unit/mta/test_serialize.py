"""model_to_json / model_from_json: an exact round trip of every resolved model, and of any value the
dataclasses of model.py can hold (generated from their type hints, so a new field is covered too)."""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing
from typing import Any

import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from required import require
from test_conformance import ARCHIVES, UNSUPPORTED, _cases, _ctx, _resolve

from bgdeploy.mta import model as model_module
from bgdeploy.mta import open_archive, resolve
from bgdeploy.mta.model import DeploymentModel, Route
from bgdeploy.mta.serialize import from_data, model_from_json, model_to_json

require(EXAMPLES, "the conformance corpus")


def assert_round_trip(model: DeploymentModel) -> None:
    back = model_from_json(model_to_json(model))
    assert back == model
    # repr also tells tuple from list and 1 from 1.0, and shows fields left out of ==, like Route.protocol.
    assert repr(back) == repr(model)


# The cases test_conformance.py expects to resolve (the others it expects to be refused).
RESOLVING = [
    (rel, exts)
    for rel, exts in _cases()
    if not (UNSUPPORTED.get(rel) and (not exts or rel.startswith(("cross-mta", "dynamic"))))
]
RESOLVING_ARCHIVES = [
    rel for rel in ARCHIVES if not any(k.rsplit("/", 1)[0] == rel.rsplit("/", 1)[0] for k in UNSUPPORTED)
]


@pytest.mark.parametrize(("rel", "exts"), RESOLVING, ids=lambda v: "+".join(v) if isinstance(v, tuple) else v)
@pytest.mark.parametrize("phase", ["live", "idle"])
def test_every_resolved_corpus_model_round_trips(rel: str, exts: tuple[str, ...], phase: str) -> None:
    assert_round_trip(_resolve(rel, *exts, phase=phase))
    assert_round_trip(_resolve(rel, *exts, phase=phase, ctx=_ctx("ns")))


@pytest.mark.parametrize("rel", RESOLVING_ARCHIVES)
@pytest.mark.parametrize("phase", ["live", "idle"])
def test_every_resolved_corpus_archive_round_trips(rel: str, phase: str) -> None:
    with open_archive(str(EXAMPLES / rel)) as archive:
        model = resolve(archive.descriptor, [], _ctx(), phase, archive=archive)  # type: ignore[arg-type]
    assert any(app.content is not None for app in model.apps)
    assert_round_trip(model)


def test_the_corpus_covers_the_tricky_fields() -> None:
    """The corpus round trips above are only as good as what they hold."""
    models = [_resolve(rel, *exts) for rel, exts in RESOLVING]
    apps = [app for m in models for app in m.apps]
    assert any(app.existing_key_env for app in apps)  # tuples
    assert any(app.health_check for app in apps)
    assert any(route.protocol for app in apps for route in app.routes)
    assert any(app.bindings for app in apps) and any(s.service_keys for m in models for s in m.services)


def test_a_field_missing_from_stored_text_takes_its_default() -> None:
    stored = json.loads(model_to_json(_small_model()))
    del stored["descriptor_modules"]
    del stored["apps"][0]["routes"][0]["protocol"]
    back = model_from_json(json.dumps(stored))
    assert back.descriptor_modules == [] and back.apps[0].routes == [Route("web", "example.com")]
    assert back.apps[0].routes[0].protocol is None


@pytest.mark.parametrize("text", ["[]", "{}", '{"no_such_field": 1}', "not json", '{"apps": 3}'])
def test_text_that_is_not_a_model_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a serialised DeploymentModel"):
        model_from_json(text)


def _small_model() -> DeploymentModel:
    return model_from_json(
        json.dumps(
            {
                "mta_id": "demo",
                "version": "1.0.0",
                "schema_version": "3.1",
                "namespace": "",
                "apps": [
                    {
                        "module": "web",
                        "name": "web",
                        "content": None,
                        "routes": [{"host": "web", "domain": "example.com", "protocol": "http2"}],
                    }
                ],
                "services": [],
                "waves": [["web"]],
                "service_batches": [],
                "descriptor_modules": ["web"],
            }
        )
    )


# ---- any value of any dataclass of model.py --------------------------------------------------------------------

MODEL_CLASSES = [
    cls
    for _, cls in inspect.getmembers(model_module, inspect.isclass)
    if dataclasses.is_dataclass(cls) and cls.__module__ == model_module.__name__
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """Values of `hint` as a resolved model may hold them; untyped dict/list hold JSON values."""
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return st.builds(hint, **{f.name: strategy_for(hints[f.name]) for f in dataclasses.fields(hint)})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return st.one_of(*(st.none() if a is type(None) else strategy_for(a) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=1 if dataclasses.is_dataclass(args[0]) else 2)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=2).map(tuple)
        return st.tuples(*(strategy_for(a) for a in args))
    if origin is dict:
        return st.dictionaries(st.text(max_size=5), strategy_for(args[1]), max_size=2)
    simple = {
        str: st.text(max_size=8),
        int: st.integers(),
        bool: st.booleans(),
        dict: st.dictionaries(st.text(max_size=5), json_values, max_size=3),
        list: st.lists(json_values, max_size=3),
    }
    return simple[hint]


def test_every_model_dataclass_is_covered() -> None:
    assert DeploymentModel in MODEL_CLASSES and Route in MODEL_CLASSES and len(MODEL_CLASSES) >= 9


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no "explain": slow on models this big
)
@given(st.sampled_from(MODEL_CLASSES).flatmap(strategy_for))
def test_any_value_of_any_model_dataclass_round_trips(value: Any) -> None:
    back = from_data(type(value), json.loads(json.dumps(dataclasses.asdict(value))))
    same = back == value and repr(back) == repr(value)  # one boolean: pytest's diff of each shrink step is slow
    assert same, f"{value!r} came back as {back!r}"
    if isinstance(value, DeploymentModel):
        assert model_from_json(model_to_json(value)) == value
