import spacebridge.service


def test_all_is_locked():
    assert spacebridge.service.__all__ == ["SearchQuery", "Store"]
