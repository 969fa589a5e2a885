from spacebridge.cli.main import main
from spacebridge.service.store import Store


def test_create_list_revoke(tmp_path, capsys):
    assert main(["keys", "create", "duty office", "--data", str(tmp_path)]) == 0
    key = capsys.readouterr().out.strip()
    store = Store(f"sqlite:///{tmp_path / 'spacebridge.sqlite'}")
    assert store.check_key(key) == "duty office"
    assert main(["keys", "list", "--data", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert "duty office" in listing
    assert key not in listing
    prefix = key.split("_")[1]
    assert main(["keys", "revoke", prefix, "--data", str(tmp_path)]) == 0
    assert main(["keys", "revoke", "nope", "--data", str(tmp_path)]) == 2
