"""cc.errors decides what a CC error means: by title or code first, by detail only for CC's catch-all."""

from __future__ import annotations

import pytest

from bgdeploy.cc import errors
from bgdeploy.errors import CloudControllerError


def body(title: str, detail: str, code: int = 0) -> dict:
    return {"errors": [{"code": code, "title": title, "detail": detail}]}


@pytest.mark.parametrize(("status", "payload", "kind"), [
    (404, body("CF-ResourceNotFound", "App not found", 10010), errors.NotFound),
    (422, body("CF-UniquenessError", "App with the name 'x' already exists.", 10016), errors.NameTaken),
    (422, body("CF-UnprocessableEntity", "The service instance name is taken: db.", 10008), errors.NameTaken),
    (422, body("CF-UnprocessableEntity", "Route already exists with host 'w' for domain 'd'.", 10008),
     errors.NameTaken),
    (422, body("CF-UnprocessableEntity", "The app is already bound to the service instance.", 10008),
     errors.AlreadyBound),
    (422, body("CF-StagingInProgress", "Only one build can be STAGING at a time per application.", 170017),
     errors.StagingInProgress),
    (422, body("CF-PackageBitsAlreadyUploaded", "Bits may be uploaded only once.", 150004),
     errors.BitsAlreadyUploaded),
    (409, body("CF-AsyncServiceInstanceOperationInProgress", "An operation for service instance db is in progress.",
               60016), errors.OperationInProgress),
    (401, body("CF-InvalidAuthToken", "Invalid Auth Token", 1000), errors.Unauthenticated),
    (403, body("CF-NotAuthorized", "You are not authorized to perform the requested action", 10003),
     errors.Forbidden),
    (502, body("CF-BadGateway", "Bad Gateway"), errors.Unavailable),
    (503, "<html>unavailable</html>", errors.Unavailable),
    (422, body("CF-UnprocessableEntity", "Memory must be greater than 0"), CloudControllerError),
])
def test_classify(status: int, payload: object, kind: type) -> None:
    err = errors.classify(status, payload, "reason", "POST", "/v3/apps")
    assert type(err) is kind
    assert isinstance(err, CloudControllerError)


def test_a_lost_answer_to_a_post_may_have_been_applied_a_refused_connection_not() -> None:
    assert errors.classify(502, {}, "Bad Gateway", "POST", "/v3/apps").maybe_applied  # type: ignore[attr-defined]
    assert not errors.classify(502, {}, "Bad Gateway", "GET", "/v3/apps").maybe_applied  # type: ignore[attr-defined]
    assert not errors.no_answer("POST", "/v3/apps", "refused", sent=False).maybe_applied
    assert errors.no_answer("POST", "/v3/apps", "reset", sent=True).maybe_applied
