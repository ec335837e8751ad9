"""Open-Meteo fetcher against a local server speaking the Open-Meteo protocol."""

from __future__ import annotations

import json
import math
import time
from urllib.parse import parse_qs

import numpy as np
import pytest
from werkzeug import Response

from seawatch.errors import DataError, FetchError
from seawatch.fetchers import open_meteo
from seawatch.fetchers.base import USER_AGENT
from seawatch.schema import open_forecast
from seawatch.storage import DataPaths

from .conftest import FIXTURES
from .fakes import OpenMeteoFake


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- parsing the provider's exact shapes ---------------------------------------------------


def test_single_object_answer_converts_units_and_conventions():
    items = open_meteo.parse_locations(load("open_meteo_marine_single.json"), 1)
    times, values = open_meteo.parse_hourly(items, list(open_meteo.MARINE_HOURLY))
    assert times[0] == np.datetime64("2026-08-20T00:00")
    assert times.dtype == np.dtype("datetime64[ns]")
    fields = open_meteo.to_canonical_fields(values)
    # going to 90 deg at 3.6 km/h -> 1 m/s eastward
    assert fields["uo"][0, 0] == pytest.approx(1.0)
    assert fields["vo"][0, 0] == pytest.approx(0.0, abs=1e-12)
    # going to 180 deg at 1.8 km/h -> 0.5 m/s southward
    assert fields["vo"][0, 1] == pytest.approx(-0.5)
    assert fields["uo"][0, 1] == pytest.approx(0.0, abs=1e-12)
    # nulls become NaN; a 0 s period marks an absent swell and becomes NaN
    assert np.isnan(fields["hs"][0, 2])
    assert np.isnan(fields["hs_swell"][0, 0])
    assert np.isnan(fields["tm_swell"][0, 0])
    assert fields["tm_swell"][0, 1] == pytest.approx(7.9)
    assert fields["tp"][0, 0] == pytest.approx(5.2)
    assert fields["sst"][0, 0] == pytest.approx(27.6)


def test_wind_from_270_at_10_ms_is_positive_u():
    items = open_meteo.parse_locations(load("open_meteo_forecast_multi.json"), 2)
    _, values = open_meteo.parse_hourly(items, list(open_meteo.FORECAST_HOURLY))
    fields = open_meteo.to_canonical_fields(values)
    assert fields["u10"][0, 0] == pytest.approx(10.0)
    assert fields["v10"][0, 0] == pytest.approx(0.0, abs=1e-12)
    # from the north at 7.2 m/s -> blowing south
    assert fields["v10"][0, 1] == pytest.approx(-7.2)
    # from the south at 5 m/s -> blowing north
    assert fields["v10"][1, 0] == pytest.approx(5.0)
    assert np.isnan(fields["u10"][1, 1])
    assert fields["gust"][0, 0] == pytest.approx(13.1)


def test_multi_location_list_is_mapped_by_order_not_by_snapped_coordinates():
    payload = load("open_meteo_marine_multi.json")
    shuffled = [payload[2], payload[0], payload[1]]
    items = open_meteo.parse_locations(shuffled, 3)
    assert [i.get("location_id", 0) for i in items] == [0, 1, 2]
    _, values = open_meteo.parse_hourly(items, ["wave_height", "ocean_current_velocity"])
    assert values["wave_height"][:, 0].tolist()[:2] == [0.84, 1.5]
    assert np.isnan(values["wave_height"][2, 0])
    assert values["ocean_current_velocity"][0, 0] == pytest.approx(1.0)  # 3.6 km/h


def test_wrong_number_of_locations_is_one_clear_error():
    with pytest.raises(FetchError, match="asked for 4 locations, the answer has 3"):
        open_meteo.parse_locations(load("open_meteo_marine_multi.json"), 4)


def test_error_body_surfaces_the_reason():
    with pytest.raises(FetchError, match="invalid String value tempeture_2m"):
        open_meteo.parse_locations(load("open_meteo_error_400.json"), 1)


def test_unknown_unit_is_refused():
    item = load("open_meteo_marine_single.json")
    item["hourly_units"]["wave_height"] = "furlong"
    with pytest.raises(DataError, match="unknown unit 'furlong'"):
        open_meteo.parse_hourly([item], ["wave_height"])


def test_call_weight_and_request_size():
    # 910 sea points at 0.25 deg, 13 marine variables, 7 days
    assert open_meteo.call_weight(910, 13, 7) == pytest.approx(1183.0)
    assert open_meteo.call_weight(910, 3, 7) == pytest.approx(910.0)
    assert open_meteo.call_weight(1, 13, 16) == pytest.approx(16 / 14 * 1.3)
    assert open_meteo.locations_per_request(13, 7) == 1000
    assert open_meteo.locations_per_request(100, 16) == 437  # 5000 / (16/14 * 10)


def test_grid_axes_cover_the_area_inclusively():
    lat, lon = open_meteo.grid_axes((10.0, 30.5, 20.0, 38.0), 0.25)
    assert (lat.size, lon.size) == (31, 41)
    assert lat[0] == 30.5 and lat[-1] == 38.0 and lon[-1] == 20.0


# --- the fetcher against a local server ----------------------------------------------------


def serve(httpserver, fake: OpenMeteoFake) -> None:
    httpserver.expect_request("/v1/marine").respond_with_handler(fake)
    httpserver.expect_request("/v1/forecast").respond_with_handler(fake)


def test_fetch_builds_the_canonical_grid(httpserver, settings, fast_session):
    fake = OpenMeteoFake(null_every=7)
    serve(httpserver, fake)
    result = open_meteo.fetch(settings, session=fast_session)
    ds = result.dataset
    assert result.path == DataPaths(settings.data_dir).source_forecast("open_meteo")
    stored = open_forecast(result.path)
    assert set(stored.data_vars) == {
        "hs", "tp", "tm", "wave_dir", "hs_windsea", "tm_windsea", "dir_windsea",
        "hs_swell", "tm_swell", "dir_swell", "uo", "vo", "sst", "u10", "v10", "gust",
    }  # fmt: skip
    assert ds.sizes["time"] == 48
    assert stored.attrs["source"] == "open_meteo"
    # a grid at [sources.open_meteo] spacing over [area], edges included; land cells (Libya,
    # Tunisia, Sicily) stay NaN
    area, spacing = settings.area, settings.sources.open_meteo.spacing
    n_lat = round((area.north - area.south) / spacing) + 1
    n_lon = round((area.east - area.west) / spacing) + 1
    assert (ds.sizes["lat"], ds.sizes["lon"]) == (n_lat, n_lon)
    tripoli = ds["hs"].sel(lat=32.5, lon=13.0, method="nearest")
    assert np.isnan(tripoli).all()
    # values belong to the requested point (hs grows with the requested latitude)
    sea = ds["hs"].isel(time=0).sel(lat=35.0, lon=18.0)
    assert float(sea) == pytest.approx(1.5)
    # currents came in km/h (3.6), wind in m/s (10 from 270): conventions hold on the grid
    finite_uo = ds["uo"].values[np.isfinite(ds["uo"].values)]
    assert np.allclose(finite_uo, 1.0, atol=1e-5)
    assert np.allclose(ds["u10"].values[np.isfinite(ds["u10"].values)], 10.0, atol=1e-4)
    assert np.allclose(ds["v10"].values[np.isfinite(ds["v10"].values)], 0.0, atol=1e-5)
    assert "Tm-1,0" in ds["tm"].attrs["long_name"]
    # the request itself: POSTed form, sea cells only, our User-Agent
    sent = fake.calls[0]
    assert sent["cell_selection"] == "sea"
    assert sent["wind_speed_unit"] == "ms"
    assert sent["timezone"] == "GMT"
    assert len(sent["latitude"].split(",")) == result.points < n_lat * n_lon
    assert httpserver.log[0][0].method == "POST"
    assert httpserver.log[0][0].headers["User-Agent"] == USER_AGENT
    # raw payloads with provenance
    raw = sorted((settings.data_dir / "raw" / "open_meteo").glob("*/*.json"))
    payloads = [p for p in raw if not p.name.endswith(".provenance.json")]
    assert [p.name for p in payloads] == ["marine-000.json", "wind-001.json"]
    prov = json.loads(payloads[0].with_name("marine-000.json.provenance.json").read_text())
    assert prov["status"] == 200 and len(prov["sha256"]) == 64
    assert prov["url"].endswith("/v1/marine")


def test_more_than_1000_sea_points_are_split(httpserver, tmp_path):
    from seawatch.fetchers.base import make_session

    from .conftest import settings_for

    # answers of 1000 locations take a while to build on a busy machine: a realistic timeout
    session = make_session(timeout=60.0, backoff=0.01)
    fake = OpenMeteoFake()
    serve(httpserver, fake)
    settings = settings_for(
        tmp_path, httpserver.url_for("").rstrip("/"), SOURCES_OPEN_METEO_SPACING="0.2"
    )
    result = open_meteo.fetch(settings, session=session)
    assert result.points > 1000
    sizes = [len(call["latitude"].split(",")) for call in fake.calls]
    assert max(sizes) <= 1000 and sum(sizes) == 2 * result.points
    # marine and wind each need ceil(points / 1000) requests
    assert result.requests == 2 * math.ceil(result.points / 1000)
    assert np.isfinite(result.dataset["hs"].sel(lat=37.9, lon=19.9, method="nearest")).all()


def test_400_reason_reaches_the_user_and_last_good_survives(httpserver, settings, fast_session):
    serve(httpserver, OpenMeteoFake())
    good = open_meteo.fetch(settings, session=fast_session)
    before = good.path.read_bytes()
    httpserver.clear()
    httpserver.expect_request("/v1/marine").respond_with_json(
        {"error": True, "reason": "Forecast days is invalid. Allowed range 0 to 16. Given 17."},
        status=400,
    )
    with pytest.raises(FetchError) as err:
        open_meteo.fetch(settings, session=fast_session)
    assert "HTTP 400" in str(err.value)
    assert "Forecast days is invalid" in str(err.value)
    assert "\n" not in str(err.value)
    assert good.path.read_bytes() == before


@pytest.mark.parametrize("retry_after", ["1", None])
def test_429_is_retried_honouring_retry_after(httpserver, settings, fast_session, retry_after):
    headers = {"Retry-After": retry_after} if retry_after else {}
    httpserver.expect_oneshot_request("/v1/marine").respond_with_json(
        {
            "error": True,
            "reason": "Minutely API request limit exceeded. Please try again in one minute.",
        },
        status=429,
        headers=headers,
    )
    serve(httpserver, OpenMeteoFake())
    started = time.monotonic()
    result = open_meteo.fetch(settings, session=fast_session)
    waited = time.monotonic() - started
    assert "hs" in result.dataset
    assert len([r for r, _ in httpserver.log if r.path == "/v1/marine"]) == 2
    if retry_after:
        assert waited >= 1.0


def test_429_that_persists_gives_one_line(httpserver, settings, fast_session):
    httpserver.expect_request("/v1/marine").respond_with_json(
        {"error": True, "reason": "Daily API request limit exceeded. Please try again tomorrow."},
        status=429,
    )
    with pytest.raises(FetchError, match=r"rate limit reached .* try again tomorrow"):
        open_meteo.fetch(settings, session=fast_session)


def test_500_then_success(httpserver, settings, fast_session):
    httpserver.expect_oneshot_request("/v1/forecast").respond_with_data("upstream", status=502)
    httpserver.expect_oneshot_request("/v1/forecast").respond_with_data("oops", status=500)
    serve(httpserver, OpenMeteoFake())
    result = open_meteo.fetch(settings, session=fast_session)
    assert "u10" in result.dataset


def test_timeout_is_retried_then_reported(httpserver, settings, fast_session):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/marine").respond_with_handler(slow)
    with pytest.raises(FetchError, match="did not answer in time"):
        open_meteo.fetch(settings, session=fast_session)
    assert len(httpserver.log) >= 2  # retried


def test_failed_validation_keeps_the_last_good_file(httpserver, settings, fast_session):
    serve(httpserver, OpenMeteoFake())
    good = open_meteo.fetch(settings, session=fast_session)
    before = good.path.read_bytes()
    httpserver.clear()
    serve(httpserver, OpenMeteoFake(hs_override=25.0))
    with pytest.raises(DataError, match=r"hs has 25 m, not below 20.*kept the last good"):
        open_meteo.fetch(settings, session=fast_session)
    assert good.path.read_bytes() == before


def test_answer_with_too_few_locations_is_refused(httpserver, settings, fast_session):
    single = load("open_meteo_marine_single.json")
    httpserver.expect_request("/v1/marine").respond_with_json(single)
    with pytest.raises(FetchError, match="the answer has 1"):
        open_meteo.fetch(settings, session=fast_session)


def test_get_query_is_understood_by_the_fake_too(httpserver):
    # the fake answers GET like the real API, so URLs pasted from the docs work in tests
    serve(httpserver, OpenMeteoFake())
    import requests

    url = httpserver.url_for("/v1/marine")
    answer = requests.get(
        url,
        params={"latitude": "33.0", "longitude": "15.0", "hourly": "wave_height"},
        timeout=5,
    ).json()
    assert isinstance(answer, dict) and "location_id" not in answer
    assert answer["latitude"] == pytest.approx(33.041667)
    assert parse_qs(httpserver.log[-1][0].query_string.decode())["hourly"] == ["wave_height"]
