import json

import pytest

from spacebridge.cli.main import main
from spacebridge.service.store import Store
from tests.service.products import make_catalog
from tests.service.receivers import webhook_receiver

ORIHUELA = {
    "type": "Polygon",
    "coordinates": [[[-0.775, 38.09], [-0.745, 38.09], [-0.745, 38.12], [-0.775, 38.12], [-0.775, 38.09]]],
}


@pytest.fixture
def data(tmp_path):
    make_catalog(tmp_path / "products")
    (tmp_path / "area.geojson").write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": ORIHUELA}))
    return tmp_path


def test_watch_pass_runs_evaluates_and_delivers_once(data, capsys):
    from spacebridge.api.app import create_app
    from spacebridge.core.settings import Settings

    create_app(Settings(data_dir=data))  # ingest the product catalog, as 'spacebridge serve' does
    d = ["--data", str(data)]
    assert (
        main(
            [
                "watch",
                "area",
                "add",
                "Orihuela",
                "--geojson",
                str(data / "area.geojson"),
                "--analysis",
                "zonal-stats:collection=test-water",
                *d,
            ]
        )
        == 0
    )
    assert "area 1" in capsys.readouterr().out
    with webhook_receiver() as (url, beh):
        assert (
            main(
                [
                    "watch",
                    "rule",
                    "add",
                    "--area",
                    "1",
                    "--variable",
                    "test-water.mean",
                    "--op",
                    ">",
                    "--threshold",
                    "0.01",
                    "--webhook",
                    url,
                    "--secret",
                    "0123456789",
                    *d,
                ]
            )
            == 0
        )
        assert main(["watch", "run", *d]) == 0
        err = capsys.readouterr().err
        assert "succeeded 1" in err
        assert "alerts opened 1" in err
        assert main(["watch", "run", *d]) == 0  # idempotent: nothing new
        assert "runs submitted 0" in capsys.readouterr().err
    assert len(beh.received) == 1
    assert main(["watch", "alerts", *d]) == 0
    assert "webhook delivered" in capsys.readouterr().out
    store = Store(f"sqlite:///{data / 'spacebridge.sqlite'}")
    assert len(store.watch.series(1, "test-water.mean")) == 2


def test_daemon_stops_after_passes_and_bad_input_is_exit_2(data, capsys):
    d = ["--data", str(data)]
    assert main(["watch", "daemon", "--every", "1s", "--passes", "2", *d]) == 0
    assert capsys.readouterr().err.count("runs submitted") == 2
    assert main(["watch", "daemon", "--every", "soon", *d]) == 2
    bad = data / "bad.geojson"
    bad.write_text('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}')
    assert main(["watch", "area", "add", "x", "--geojson", str(bad), *d]) == 2
    assert "--geojson" in capsys.readouterr().err
    assert main(["watch", "rule", "add", "--area", "1", "--variable", "v", "--op", "=>", "--threshold", "1", *d]) == 2
    area = ["watch", "area", "add", "Orihuela", "--geojson", str(data / "area.geojson"), "--analysis", "flood"]
    assert main([*area, *d]) == 0
    capsys.readouterr()
    rule = ["watch", "rule", "add", "--area", "1", "--op", ">", "--threshold", "1", *d]
    assert main([*rule, "--variable", "water_kmm2"]) == 2  # area 1 watches flood: water_km2, not this typo
    assert "water_km2" in capsys.readouterr().err
    assert main([*rule, "--variable", "water_km2"]) == 0


def test_area_from_a_kazakh_oblast_code(tmp_path, capsys):
    d = ["--data", str(tmp_path)]
    assert main(["watch", "area", "add", "Abay oblast", "--admin-code", "KZ-10", *d]) == 0
    out = capsys.readouterr().out
    assert "Abay oblast" in out
    area = Store(f"sqlite:///{tmp_path / 'spacebridge.sqlite'}").watch.areas()[0]
    assert 170_000 < area["area_km2"] < 195_000  # Abay region: about 185,000 km² (2022 division)
    assert area["admin_code"] == "KZ-10"
    assert main(["watch", "area", "add", "nowhere", "--admin-code", "KZ-99", *d]) == 2
    assert main(["watch", "area", "add", "nothing", *d]) == 2
    empty = tmp_path / "no-boundaries"
    empty.mkdir()
    assert main(["watch", "area", "add", "Abay", "--admin-code", "KZ-10", "--boundaries", str(empty), *d]) == 2
    assert "SPACEBRIDGE_BOUNDARIES_DIR" in capsys.readouterr().err
