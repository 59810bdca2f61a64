"""Rollout animations: one full slide per year, planned/as-built comparison, GIF and MP4."""

from __future__ import annotations

import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from coverage.catalogue.tables import Catalogue
from coverage.products.mapdata import MapState, rollout_series
from coverage.render import animation
from coverage.scenario import FootprintOptions

SIZE = {"width_px": 400, "height_px": 225}
YEARS = (2015, 2016, 2017)


@pytest.fixture(scope="module")
def frames(catalogue: Catalogue) -> list[np.ndarray]:
    return animation.rollout_frames(
        rollout_series(catalogue, MapState(FootprintOptions(year=2011)), YEARS), **SIZE
    )


def test_rollout_frames__one_full_slide_per_year(frames: list[np.ndarray]) -> None:
    assert len(frames) == len(YEARS)
    for frame in frames:
        assert frame.shape == (225, 400, 3) and frame.dtype == np.uint8
        assert frame.std() > 20.0
    assert not np.array_equal(frames[0], frames[1])  # year stamp and title change


def test_gif__one_frame_per_year_with_durations(frames: list[np.ndarray]) -> None:
    gif = animation.to_gif(frames, frame_s=1.0, last_frame_s=2.5)
    assert gif[:6] == b"GIF89a"
    stack = iio.imread(gif, index=None)
    assert stack.shape[0] == len(YEARS) and stack.shape[1:3] == (225, 400)
    image = Image.open(io.BytesIO(gif))
    durations = []
    for i in range(image.n_frames):
        image.seek(i)
        durations.append(image.info["duration"])
    assert durations == [1000, 1000, 2500]


def test_rollout_gif__both_scenarios(catalogue: Catalogue) -> None:
    state = MapState(FootprintOptions(year=2011))
    both = rollout_series(catalogue, state, (2016, 2017), both_scenarios=True)
    alternate = animation.rollout_frames(both, compare="alternate", **SIZE)
    side = animation.rollout_frames(
        rollout_series(catalogue, state, (2016,), both_scenarios=True),
        compare="side_by_side",
        **SIZE,
    )
    assert len(alternate) == 4
    assert side[0].shape == (225, 800, 3)
    gif = animation.rollout_gif(both, compare="alternate", **SIZE)
    assert iio.imread(gif, index=None).shape[0] == 4


@pytest.mark.skipif(not animation.mp4_available(), reason="imageio-ffmpeg binary not installed")
def test_mp4__encodes_offline_with_bundled_ffmpeg(frames: list[np.ndarray]) -> None:
    mp4 = animation.to_mp4(frames, frame_s=0.5, last_frame_s=1.0)
    assert mp4[4:8] == b"ftyp"
    assert len(mp4) > 1000


def test_animation__rejects_bad_input(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="frames is empty"):
        animation.to_gif([])
    with pytest.raises(ValueError, match="compare='both'"):
        animation.rollout_frames(
            rollout_series(catalogue, MapState(FootprintOptions(year=2016)), (2016,)),
            compare="both",  # type: ignore[arg-type]
            **SIZE,
        )
    with pytest.raises(ValueError, match="years is empty"):
        rollout_series(catalogue, MapState(FootprintOptions(year=2016)), ())


def test_animation__total_pixels_are_bounded_before_rendering() -> None:
    animation.check_animation_size(28, 1920, 1080)  # 14 years x 2 scenarios, full HD: fine
    with pytest.raises(ValueError, match="million pixels; the limit is 120 million: use fewer"):
        animation.check_animation_size(28, 4000, 3000)


def test_rollout_answer__each_frame_carries_its_years_answer(catalogue: Catalogue) -> None:
    # A review: the rollout GIF's frames had no answer line and no capitals, which the slide
    # images of the same years carry.
    from coverage.products.claims import claim_notes
    from coverage.products.headline import headline
    from coverage.products.mapdata import ANSWER_LAYERS, DEFAULT_LAYERS

    answer = animation.rollout_answer(catalogue)
    state = MapState(FootprintOptions(year=2016), layers=ANSWER_LAYERS)
    (series,) = rollout_series(catalogue, state, [2015, 2016])
    for d in series:
        a = answer(d)
        assert a.line == headline(catalogue, d.state).slide_text()
        assert a.capitals is not None and set(a.capitals.status) >= {"not defended"}
        # The major cities with them, as the slide images and the map have them.
        assert a.cities is not None and not a.cities.empty
        # The official claims of the year, as the slide of that year has them: 2016 is judged
        # (Warsaw, "southern NATO Europe"), 2015 is not.
        assert a.claims == claim_notes(catalogue, d.state, short=True)
    assert answer(series[0]).claims == ()
    (claim,) = answer(series[1]).claims
    assert "southern NATO Europe" in claim and "%" in claim
    assert "6 of 26 capitals" in str(answer(series[1]).line)
    no_capitals = animation.rollout_answer(catalogue, capitals=False)(series[1])
    assert (no_capitals.capitals, no_capitals.cities) == (None, None)
    assert animation.rollout_answer(catalogue, cities=False)(series[1]).cities is None
    assert animation.rollout_answer(catalogue, claims=False)(series[1]).claims == ()
    (plain,) = rollout_series(catalogue, MapState(FootprintOptions(year=2016)), [2016])
    assert "defended" not in DEFAULT_LAYERS and answer(plain[0]) == animation.FrameAnswer()
    size = {"width_px": 640, "height_px": 360}
    with_answer = animation.rollout_frames([series[1:]], answer=answer, **size)[0]
    maps_alone = animation.rollout_frames([series[1:]], **size)[0]
    assert with_answer.shape == maps_alone.shape and (with_answer != maps_alone).any()
    # The claim is drawn: the same frame without it differs (in the side panel).
    no_claim = animation.rollout_answer(catalogue, claims=False)
    without_claim = animation.rollout_frames([series[1:]], answer=no_claim, **size)[0]
    assert (with_answer != without_claim).any()
