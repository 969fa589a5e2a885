import pickle

import pytest

from spacebridge.core import errors as E


def test_every_error_derives_from_the_root_and_a_builtin():
    for name in E.__all__:
        cls = getattr(E, name)
        if issubclass(cls, Warning):
            assert issubclass(cls, E.SpacebridgeWarning) or cls is E.SpacebridgeWarning
            continue
        assert issubclass(cls, E.SpacebridgeError)
        if cls is not E.SpacebridgeError:
            builtin_bases = [
                b for b in cls.__mro__ if b.__module__ == "builtins" and b not in (object, Exception, BaseException)
            ]
            assert builtin_bases, f"{name} should also derive from a builtin exception"


def test_message_carries_hint_and_context():
    err = E.OutOfRangeError("latitude 91 is outside [-90, 90]", hint="Check the column order", name="lat", value=91)
    assert str(err) == "latitude 91 is outside [-90, 90]. Check the column order"
    assert err.context == {"name": "lat", "value": 91}
    assert err.to_dict()["type"] == "OutOfRangeError"
    assert isinstance(err, ValueError)


def test_lookup_errors_are_not_quoted():
    err = E.MissingBandError("band 'swir16' is missing", hint="Pass --bands")
    assert str(err) == "band 'swir16' is missing. Pass --bands"
    with pytest.raises(LookupError):
        raise err


def test_to_dict_is_json_friendly():
    err = E.InvalidAOIError("bad", field="bbox", value=(1, 2, object()))
    ctx = err.to_dict()["context"]
    assert ctx["field"] == "bbox"
    assert isinstance(ctx["value"][2], str)


def test_errors_survive_pickling_message():
    err = E.NotFoundError("unknown site 'x'", hint="Use one of: tien-shan")
    clone = pickle.loads(pickle.dumps(err))
    assert "unknown site" in str(clone)
