"""Rollout animations (GIF, MP4) stepping through the years, each frame a complete slide image.

Frames come from :func:`coverage.render.export.render_array`, so each one carries the title, phase
banner, legend, year stamp, scale bar, sources and caveat banners of a static export. The
planned and as-built scenarios can be shown one after the other for each year
(``compare="alternate"``) or next to each other (``compare="side_by_side"``, frames twice as
wide). MP4 uses the ffmpeg binary shipped inside the ``imageio-ffmpeg`` wheel, so it works
offline; :func:`mp4_available` says whether that binary is present.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np

from coverage.render.export import render_array
from coverage.scenario import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:
    import pandas as pd

    from coverage.catalogue.tables import Catalogue
    from coverage.products.mapdata import MapData

__all__ = [
    "COMPARE_MODES",
    "DEFAULT_YEARS",
    "FrameAnswer",
    "MAX_ANIMATION_PIXELS",
    "check_animation_size",
    "Compare",
    "mp4_available",
    "rollout_answer",
    "rollout_frames",
    "rollout_gif",
    "to_gif",
    "to_mp4",
]

Compare = Literal["alternate", "side_by_side"]
COMPARE_MODES: tuple[Compare, ...] = ("alternate", "side_by_side")
DEFAULT_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
_MP4_FPS = 4
#: Pixels of all frames of one animation together (the frames are held in memory while encoding):
#: 14 years × 2 scenarios at 1920×1080 is 58 million; 120 million is ~360 MB of RGB frames.
MAX_ANIMATION_PIXELS = 120_000_000


def check_animation_size(n_frames: int, width_px: int, height_px: int) -> None:
    """Raise ``ValueError`` (saying what to reduce) when all frames together are too large."""
    total = n_frames * width_px * height_px
    if total > MAX_ANIMATION_PIXELS:
        raise ValueError(
            f"an animation of {n_frames} frames at {width_px}x{height_px} px is "
            f"{total / 1e6:,.0f} million pixels; the limit is {MAX_ANIMATION_PIXELS / 1e6:,.0f} "
            "million: use fewer years, a smaller frame size, or no side-by-side comparison"
        )


class FrameAnswer(NamedTuple):
    """What a frame carries besides its map, as a slide image of the same state does."""

    #: The headline line (shares, capitals, the change since the year before).
    line: str | None = None
    #: Capitals by status (``Headline.capitals``).
    capitals: pd.DataFrame | None = None
    #: Major cities by status, read off the same run.
    cities: pd.DataFrame | None = None
    #: The official claims judged on the frame's year, short form
    #: (:func:`coverage.products.claims.claim_notes`).
    claims: tuple[str, ...] = ()


#: A frame's answer from its map.
Answer = Callable[["MapData"], FrameAnswer]


def rollout_frames(
    series: Sequence[Sequence[MapData]],
    *,
    compare: Compare | None = None,
    width_px: int = 1280,
    height_px: int = 720,
    projector: bool = False,
    answer: Answer | None = None,
) -> list[np.ndarray]:
    """One RGB frame per year (two per year with ``compare="alternate"``).

    Parameters
    ----------
    series
        The maps to draw, from :func:`coverage.products.mapdata.rollout_series`: one series
        (``compare=None``) or two, planned then as built, for the same years.
    compare
        ``None`` animates the one series; ``"alternate"`` shows planned then as built for each
        year; ``"side_by_side"`` puts planned (left) and as built (right) in one frame of
        ``2 * width_px``.
    width_px, height_px
        Size of one slide (default 1280x720 keeps a 14-year GIF at a few MB).
    projector
        Projector styling (bigger type, thicker lines).
    answer
        Each frame's headline and capitals (:func:`rollout_answer`), as a slide image carries
        them; ``None``: the maps alone.

    Returns
    -------
    list of numpy.ndarray
        ``uint8`` arrays of shape (height, width, 3).
    """
    if compare is not None and compare not in COMPARE_MODES:
        raise ValueError(f"compare={compare!r} is not one of None, {', '.join(COMPARE_MODES)}")
    want = 1 if compare is None else 2
    if len(series) != want:
        raise ValueError(
            f"series has {len(series)} scenario series; compare={compare!r} needs {want}"
        )
    if not all(series):
        raise ValueError("series is empty; give at least one year")
    check_animation_size(sum(len(s) for s in series), width_px, height_px)

    def frame(d: MapData) -> np.ndarray:
        a = FrameAnswer() if answer is None else answer(d)
        return render_array(
            d,
            width_px=width_px,
            height_px=height_px,
            projector=projector,
            headline=a.line,
            capitals=a.capitals,
            cities=a.cities,
            claims=a.claims,
        )

    per_scenario = [[frame(d) for d in s] for s in series]
    if compare is None:
        return per_scenario[0]
    if compare == "side_by_side":
        return [np.hstack(pair) for pair in zip(*per_scenario, strict=True)]
    return [frame for pair in zip(*per_scenario, strict=True) for frame in pair]


def _durations_s(n: int, frame_s: float, last_frame_s: float) -> list[float]:
    if not (0.05 <= frame_s <= 60.0 and 0.05 <= last_frame_s <= 60.0):
        raise ValueError(
            f"frame_s={frame_s!r} and last_frame_s={last_frame_s!r} must be from 0.05 to 60 s"
        )
    return [frame_s] * (n - 1) + [last_frame_s]


def to_gif(
    frames: Sequence[np.ndarray], *, frame_s: float = 1.5, last_frame_s: float = 3.0
) -> bytes:
    """Encode RGB frames as a looping animated GIF.

    Each frame gets its own 256-colour palette (fast octree, no dithering: the slides are flat
    colours, and dithering would speckle text); Pillow, which imageio uses for GIF, writes it.

    Parameters
    ----------
    frames
        ``uint8`` arrays of one shape (height, width, 3).
    frame_s
        Time each frame is shown, s.
    last_frame_s
        Time the last frame is held before the loop restarts, s.
    """
    from PIL import Image

    if not frames:
        raise ValueError("frames is empty")
    durations_ms = [round(1000.0 * d) for d in _durations_s(len(frames), frame_s, last_frame_s)]
    images = [
        Image.fromarray(np.ascontiguousarray(f)).quantize(
            colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        for f in frames
    ]
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations_ms,
        loop=0,
        disposal=1,
    )
    return buf.getvalue()


def mp4_available() -> bool:
    """Whether the ffmpeg binary bundled with ``imageio-ffmpeg`` can be found (no download)."""
    try:
        import imageio_ffmpeg

        return Path(imageio_ffmpeg.get_ffmpeg_exe()).exists()
    except (ImportError, RuntimeError):
        return False


def to_mp4(
    frames: Sequence[np.ndarray], *, frame_s: float = 1.5, last_frame_s: float = 3.0
) -> bytes:
    """Encode RGB frames as an H.264 MP4 (yuv420p, plays in browsers and PowerPoint).

    Each frame is repeated to last ``frame_s`` (``last_frame_s`` for the last) at 4 frames per
    second; odd sizes are padded by one white pixel. Raises ``RuntimeError`` when no ffmpeg
    binary is available (see :func:`mp4_available`).
    """
    import imageio.v2 as iio2

    if not frames:
        raise ValueError("frames is empty")
    if not mp4_available():
        raise RuntimeError(
            "MP4 needs the ffmpeg binary of the imageio-ffmpeg package, which is not installed"
        )
    durations = _durations_s(len(frames), frame_s, last_frame_s)
    with tempfile.TemporaryDirectory(prefix="epaa-mp4-") as tmp:
        path = Path(tmp) / "rollout.mp4"
        writer = iio2.get_writer(
            path,
            format="FFMPEG",
            mode="I",
            fps=_MP4_FPS,
            codec="libx264",
            pixelformat="yuv420p",
            macro_block_size=1,
            quality=8,
            ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )
        try:
            for frame, seconds in zip(frames, durations, strict=True):
                even = _pad_even(frame)
                for _ in range(max(1, round(seconds * _MP4_FPS))):
                    writer.append_data(even)
        finally:
            writer.close()
        return path.read_bytes()


def _pad_even(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), constant_values=255)


def rollout_gif(
    series: Sequence[Sequence[MapData]],
    *,
    compare: Compare | None = None,
    width_px: int = 1280,
    height_px: int = 720,
    projector: bool = False,
    frame_s: float = 1.5,
    answer: Answer | None = None,
) -> bytes:
    """Animated GIF of the rollout (see :func:`rollout_frames` for the parameters)."""
    frames = rollout_frames(
        series,
        compare=compare,
        width_px=width_px,
        height_px=height_px,
        projector=projector,
        answer=answer,
    )
    return to_gif(frames, frame_s=frame_s)


def rollout_answer(
    catalogue: Catalogue, *, capitals: bool = True, cities: bool = True, claims: bool = True
) -> Answer:
    """Each frame's answer, as a slide image of that year carries it.

    The headline line (shares, capitals, the change since the year before); with ``capitals``,
    the capitals by status, and with ``cities`` too the major cities (only with the capitals,
    as on the map); with ``claims``, the official claims judged on the frame's year (2012,
    2016, 2020, 2024 as built; 2018 as planned), in the short form of the slides. For maps that
    draw the defended area; a frame without it gets no answer (its map shows none). Costs each
    year's engine run, kept as the dashboard's are (the cities and claims are read off the
    same run).
    """
    from coverage.products.claims import claim_notes
    from coverage.products.headline import headline, major_cities

    def answer(d: MapData) -> FrameAnswer:
        if "defended" not in d.state.layers:
            return FrameAnswer()
        h = headline(catalogue, d.state)
        return FrameAnswer(
            h.slide_text(),
            h.capitals if capitals else None,
            major_cities(catalogue, d.state) if capitals and cities else None,
            claim_notes(catalogue, d.state, short=True) if claims else (),
        )

    return answer
