"""Configuration: file + environment, validation errors name the key."""

from pathlib import Path

import pytest

from seawatch.config import load_settings, mask_url_password, settings_as_dict
from seawatch.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seawatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={})
    assert (s.area.west, s.area.east, s.area.south, s.area.north) == (10.0, 25.0, 30.5, 38.0)
    assert s.grid.resolution == 0.05
    assert s.config_file is None
    assert s.store_url == f"sqlite:///{s.data_dir / 'incidents.sqlite'}"


def test_file_then_environment(tmp_path):
    path = write(
        tmp_path, '[area]\nwest = 11\n[grid]\nresolution = 0.1\n[weather]\nchain = ["ecmwf"]\n'
    )
    s = load_settings(path, environ={"SEAWATCH_AREA_EAST": "19.5", "SEAWATCH_LANG": "ar"})
    assert s.area.west == 11.0 and s.area.east == 19.5
    assert s.grid.resolution == 0.1
    assert s.weather.chain == ("ecmwf",)
    assert s.lang == "ar"


def test_nested_source_override_from_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(
        environ={"SEAWATCH_SOURCES_OPEN_METEO_MARINE_URL": "http://127.0.0.1:9/marine"}
    )
    assert s.sources.open_meteo.marine_url == "http://127.0.0.1:9/marine"


def test_search_order_env_file_then_local(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "lang = 'ar'\n")
    assert load_settings(environ={}).lang == "ar"  # ./seawatch.toml
    other = tmp_path / "other.toml"
    other.write_text("lang = 'en'\n")
    assert load_settings(environ={"SEAWATCH_CONFIG": str(other)}).lang == "en"


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"SEAWATCH_DATA_DIR": str(tmp_path / "env")}
    assert load_settings(environ=env).data_dir == tmp_path / "env"
    assert load_settings(data_dir=tmp_path / "cli", environ=env).data_dir == tmp_path / "cli"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[area]\nwest = 26\n", "west (26.0) must be less than east (25.0)"),
        ("[grid]\nresolution = 0\n", "grid.resolution = 0.0 must be > 0"),
        ("[grid]\nresolution = -0.1\n", "grid.resolution"),
        ("[area]\nwets = 11\n", "unknown key area.wets"),
        ("colour = 'red'\n", "unknown key colour"),
        ("[grid]\nresolution = 'fine'\n", "grid.resolution must be a number"),
        ("[web]\nport = 80.5\n", "web.port must be a whole number"),
        ("[web]\npublic_map = 'yes'\n", "web.public_map must be true or false"),
        ("[weather]\nchain = ['meteo']\n", "unknown source 'meteo'"),
        ("[mail]\nsecurity = 'tls'\n", "mail.security"),
        ("[[mail.recipients]]\naddress = 'nobody'\n", "mail.recipients[0].address"),
        ("[schedule]\nemail_time = '6am'\n", "is not HH:MM"),
        ("lang = 'fr'\n", "lang = 'fr'"),
        ("[area\nwest = 1\n", "not valid TOML"),
        ("data_dir = '/tmp'\n", "data_dir cannot be set in the config file"),
        # an area under one grid cell would be a single row or column of the risk grid
        (
            "[area]\nwest = 12.0\neast = 12.02\nsouth = 33.0\nnorth = 33.5\n",
            "area is 0.02° wide (west 12 to east 12.02), less than one grid cell",
        ),
        (
            "[area]\nwest = 12.0\neast = 13.0\nsouth = 33.0\nnorth = 33.2\n"
            "[grid]\nresolution = 0.25\n",
            "area is 0.2° tall (south 33 to north 33.2), less than one grid cell "
            "(grid.resolution = 0.25°)",
        ),
        (
            "[schedule]\ntimezone = 'Libya/Tripoli'\n",
            "schedule.timezone = 'Libya/Tripoli' is not a time zone name; use an IANA name",
        ),
        ("[store]\nurl = '/srv/seawatch/incidents.sqlite'\n", "is not a database URL; write"),
        ("[store]\nurl = 'postgresql://u:hunter2@db:port/x'\n", "'postgresql://u:***@db:port/x'"),
    ],
)
def test_invalid_config_names_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_invalid_environment_override_names_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"grid\.resolution must be a number"):
        load_settings(environ={"SEAWATCH_GRID_RESOLUTION": "fine"})


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_secrets_are_masked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={"SEAWATCH_STORE_URL": "postgresql://ops:hunter2@db/seawatch"})
    shown = repr(settings_as_dict(s))
    assert "hunter2" not in shown
    assert "postgresql://ops:***@db/seawatch" in shown
    assert mask_url_password("sqlite:///x.db") == "sqlite:///x.db"


def test_a_renamed_key_says_what_replaced_it(tmp_path):

    path = tmp_path / "seawatch.toml"
    path.write_text("[summary]\ncalm_hours = 12\n")
    with pytest.raises(ConfigError, match=r"summary.calm_hours is now departure.window_min_hours"):
        load_settings(path)


def test_area_of_exactly_one_cell_each_way_is_accepted(tmp_path):
    text = "[area]\nwest = 12.0\neast = 12.05\nsouth = 33.0\nnorth = 33.05\n"
    settings = load_settings(write(tmp_path, text), environ={})
    assert settings.area.bbox == (12.0, 33.0, 12.05, 33.05)


def test_a_config_file_that_is_not_text_is_one_line(tmp_path):
    """A Word document or a UTF-16 file saved as seawatch.toml was 'internal error:
    UnicodeDecodeError'."""
    path = tmp_path / "seawatch.toml"
    path.write_bytes("[area]\nwest = 11\n".encode("utf-16"))
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={})
    assert (
        str(err.value)
        == f"{path} is not UTF-8 text (is it the config file?); save it as UTF-8 TOML"
    )


def test_an_invalid_value_names_where_to_fix_it(tmp_path):
    path = write(tmp_path, "[area]\nwest = 26\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={})
    assert str(err.value).endswith(f"(fix it in {path})")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ={"SEAWATCH_AREA_EAST": "12"})
    assert str(err.value) == (
        f"area: west (26.0) must be less than east (12.0) (fix it in {path} or SEAWATCH_AREA_EAST)"
    )


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key area\.wset \(did you mean area\.west\?"):
        load_settings(write(tmp_path, "[area]\nwset = 11\n"), environ={})
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, "colour = 'red'\n"), environ={})
    assert "did you mean" not in str(err.value)


def test_a_misspelt_environment_override_is_not_silently_ignored(tmp_path, monkeypatch, caplog):
    """SEAWATCH_STORE_ULR left the store on the default SQLite file without a word."""
    monkeypatch.chdir(tmp_path)
    with caplog.at_level("WARNING", logger="seawatch.config"):
        settings = load_settings(
            environ={"SEAWATCH_STORE_ULR": "postgresql://db/seawatch", "SEAWATCH_USER": "amina"}
        )
    assert settings.store.url != "postgresql://db/seawatch"
    assert [r.getMessage() for r in caplog.records] == [
        "SEAWATCH_STORE_ULR is not a setting and is ignored; did you mean SEAWATCH_STORE_URL?"
    ]
