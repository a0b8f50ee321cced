"""python -m seed import tvmaze: TVmaze's shows and schedules become series, episodes,
channels and airings; a second import changes nothing."""

import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import (
    Airing,
    Channel,
    Credit,
    CreditRole,
    Episode,
    EpisodeExternalId,
    Image,
    ImageKind,
    ImageRendition,
    Person,
    PersonExternalId,
    Season,
    SeriesStatus,
    Title,
    TitleExternalId,
    TitleKind,
)
from models.db import create_sessionmaker
from seed.importers import tvmaze
from seed.importers.summary import ImportSummary
from seed.importers.text import plain_text
from tests.seed.tables import snapshot
from tests.seed.tvmaze_files import dome, schedule, web_show, write


async def _import(engine: AsyncEngine, *paths: Path) -> ImportSummary:
    summary = ImportSummary(out=io.StringIO())
    return await tvmaze.import_files(engine, list(paths), summary, progress=False)


async def _one(engine: AsyncEngine, query: Any) -> Any:
    async with create_sessionmaker(engine)() as session:
        return (await session.execute(query)).scalars().one()


async def _all(engine: AsyncEngine, query: Any) -> list[Any]:
    async with create_sessionmaker(engine)() as session:
        return list((await session.execute(query)).scalars().all())


async def test_a_show_becomes_a_series_with_seasons_episodes_cast_and_poster(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(import_engine, write(tmp_path / "show.json", dome()))
    title = await _one(import_engine, select(Title))
    assert (title.name, title.kind, title.status) == (
        "Under the Dome",
        TitleKind.SERIES,
        SeriesStatus.ENDED,
    )
    assert (title.year, title.end_year, title.original_language) == (2013, 2015, "en")
    assert title.synopsis == (
        "Under the Dome is the story of a small town & its people, suddenly sealed off."
        "\n\nNobody knows why."
    )
    ids = await _all(import_engine, select(TitleExternalId))
    assert {(row.source.value, row.value) for row in ids} == {
        ("TVMAZE", "1"),
        ("IMDB", "tt1553656"),
    }
    seasons = await _all(import_engine, select(Season).order_by(Season.number))
    assert [(s.number, s.premiere_date) for s in seasons] == [
        (0, date(2014, 8, 1)),
        (1, date(2013, 6, 25)),
        (2, date(2014, 7, 1)),
    ]
    episodes = await _all(import_engine, select(Episode).order_by(Episode.id))
    numbers = {s.id: s.number for s in seasons}
    assert [(numbers[e.season_id], e.number, e.name) for e in episodes] == [
        (1, 1, "Episode 1"),
        (1, 2, 'The "Fire"'),
        (2, 1, "Episode 3"),
        (2, 2, "Episode 4"),
        (0, 1, "Episode 5"),
    ]
    assert episodes[3].air_date is None
    assert episodes[0].synopsis == "What happens in episode 1."
    assert len(await _all(import_engine, select(EpisodeExternalId.value))) == 5
    credits = await _all(import_engine, select(Credit).order_by(Credit.position))
    assert [(c.role, c.character) for c in credits] == [
        (CreditRole.CAST, 'Dale "Barbie" Barbara'),
        (CreditRole.CAST, "Julia Shumway"),
    ]
    vogel = await _one(import_engine, select(Person).where(Person.name == "Mike Vogel"))
    assert (vogel.birth_year, vogel.death_year) == (1979, None)
    assert len(await _all(import_engine, select(PersonExternalId.value))) == 2
    poster = await _one(import_engine, select(Image).where(Image.kind == ImageKind.POSTER))
    assert poster.title_id == title.id
    assert poster.path == "tvmaze/original_untouched/81/202627.jpg"
    rendition = await _one(
        import_engine, select(ImageRendition).where(ImageRendition.image_id == poster.id)
    )
    assert (rendition.width, rendition.path) == (210, "tvmaze/medium_portrait/81/202627.jpg")
    stills = await _all(import_engine, select(Image.id).where(Image.kind == ImageKind.STILL))
    assert len(stills) == 5


async def test_episodes_with_an_airstamp_air_on_the_networks_channel(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(import_engine, write(tmp_path / "show.json", dome()))
    channel = await _one(import_engine, select(Channel))
    assert (channel.slug, channel.name, channel.region, channel.time_zone) == (
        "cbs-us",
        "CBS",
        "US",
        "America/New_York",
    )
    assert (await _one(import_engine, select(Title.network_id))) == channel.id
    airings = await _all(import_engine, select(Airing).order_by(Airing.starts_at))
    assert [(a.starts_at, a.ends_at, a.is_premiere) for a in airings] == [
        (datetime(2013, 6, 25, 2, tzinfo=UTC), datetime(2013, 6, 25, 3, tzinfo=UTC), True),
        (datetime(2013, 7, 2, 2, tzinfo=UTC), datetime(2013, 7, 2, 3, tzinfo=UTC), False),
        (datetime(2014, 7, 1, 2, tzinfo=UTC), datetime(2014, 7, 1, 3, tzinfo=UTC), True),
        (datetime(2014, 8, 1, 1, tzinfo=UTC), datetime(2014, 8, 1, 2, tzinfo=UTC), False),
    ]
    assert all(a.channel_id == channel.id and a.episode_id for a in airings)
    # 02:00 UTC is 22:00 the evening before in New York: the channel's local date.
    assert [a.local_date for a in airings] == [
        date(2013, 6, 24),
        date(2013, 7, 1),
        date(2014, 6, 30),
        date(2014, 7, 31),
    ]


async def test_a_schedule_adds_its_shows_episodes_and_airings(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    summary = await _import(import_engine, write(tmp_path / "gb.json", schedule(), indent=1))
    assert summary.read == 2 and summary.skipped == 0
    channel = await _one(import_engine, select(Channel))
    assert (channel.slug, channel.time_zone) == ("bbc-one-gb", "Europe/London")
    assert await _one(import_engine, select(func.count()).select_from(Title)) == 1
    starts = await _all(import_engine, select(Airing.starts_at).order_by(Airing.starts_at))
    assert starts == [
        datetime(2026, 12, 1, 20, tzinfo=UTC),
        datetime(2026, 12, 1, 20, 30, tzinfo=UTC),
    ]
    numbers = await _all(import_engine, select(Episode.number).order_by(Episode.number))
    assert numbers == [1, 2]


async def test_a_show_without_a_network_has_no_channel_or_airings(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    summary = await _import(import_engine, write(tmp_path / "web.json", web_show()))
    assert summary.skipped == 0
    title = await _one(import_engine, select(Title))
    assert (title.network_id, title.status, title.original_language) == (
        None,
        SeriesStatus.RETURNING,
        None,
    )
    assert await _all(import_engine, select(Channel.id)) == []
    assert await _all(import_engine, select(Airing.id)) == []
    assert len(await _all(import_engine, select(Episode.id))) == 1


async def test_importing_the_same_files_twice_changes_nothing(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    files = [
        write(tmp_path / "show.json", dome()),
        write(tmp_path / "web.json", web_show()),
        write(tmp_path / "gb.json", schedule()),
    ]
    first = await _import(import_engine, *files)
    assert first.created > 0
    before = await snapshot(import_engine)
    second = await _import(import_engine, *files)
    assert (second.read, second.created, second.updated) == (first.read, 0, 0)
    assert await snapshot(import_engine) == before


async def test_a_changed_show_updates_its_title_and_version(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(import_engine, write(tmp_path / "show.json", dome()))
    before = await _one(import_engine, select(Title))
    summary = await _import(import_engine, write(tmp_path / "show.json", dome(status="Running")))
    after = await _one(import_engine, select(Title))
    assert (summary.created, summary.updated) == (0, 1)
    assert (after.id, after.status, after.version) == (
        before.id,
        SeriesStatus.RETURNING,
        before.version + 1,
    )
    assert after.updated_at > before.updated_at


async def test_malformed_records_are_reported_with_file_and_line_and_skipped(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    entries = schedule()
    entries[0]["show"] = {"name": "No id"}
    entries[1]["airstamp"] = "2026-12-01T20:30:00"  # no offset: not an instant
    path = write(tmp_path / "bad.json", entries, indent=2)
    summary = await _import(import_engine, path)
    lines = [n + 1 for n, line in enumerate(path.read_text().splitlines()) if line == "  {"]
    assert summary.problems == [
        f"{path}:{lines[0]}: a show needs an integer id and a name",
        f"{path}:{lines[1]}: episodes[0] (id 201): airstamp '2026-12-01T20:30:00' has no UTC"
        " offset",
    ]
    assert summary.skipped == 2
    # The second entry's show and episode are in; only its airing was refused.
    assert len(await _all(import_engine, select(Episode.id))) == 1
    assert await _all(import_engine, select(Airing.id)) == []


async def test_a_show_that_fails_midway_leaves_nothing_behind(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    broken = write(tmp_path / "broken.json", dome(premiered="2013-02-30"))
    summary = await _import(import_engine, broken, write(tmp_path / "web.json", web_show()))
    assert summary.problems == [f"{broken}:1: not a date: '2013-02-30'"]
    # Its network's channel was written before the date was read, and went with it.
    assert await _all(import_engine, select(Channel.id)) == []
    assert await _all(import_engine, select(Title.name)) == ["Stream Only"]


async def test_a_network_in_an_unknown_time_zone_skips_its_show(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    show = dome()
    show["network"] = {"name": "Mars TV", "country": {"code": "US", "timezone": "Mars/Olympus"}}
    path = write(tmp_path / "mars.json", show)
    summary = await _import(import_engine, path, write(tmp_path / "web.json", web_show()))
    assert summary.problems == [f"{path}:1: unknown time zone 'Mars/Olympus'"]
    assert await _all(import_engine, select(Title.name)) == ["Stream Only"]


async def test_overlapping_airings_are_reported_not_written(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    show = dome()
    show["_embedded"]["episodes"][1]["airstamp"] = "2013-06-25T02:30:00+00:00"
    summary = await _import(import_engine, write(tmp_path / "show.json", show))
    assert summary.skipped == 1
    assert "overlaps another on the channel" in summary.problems[0]
    assert len(await _all(import_engine, select(Airing.id))) == 3
    assert len(await _all(import_engine, select(Episode.id))) == 5  # only the airing is refused


async def test_a_show_imported_from_imdb_first_is_the_same_title(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    async with create_sessionmaker(import_engine)() as session, session.begin():
        title = Title(slug="under-the-dome-tt1553656", name="Under the Dome", kind=TitleKind.SERIES)
        session.add(title)
        await session.flush()
        session.add(TitleExternalId(source="IMDB", value="tt1553656", title_id=title.id))
    await _import(import_engine, write(tmp_path / "show.json", dome()))
    assert await _all(import_engine, select(Title.slug)) == ["under-the-dome-tt1553656"]


def test_html_becomes_plain_paragraphs() -> None:
    assert plain_text("<p>A&nbsp;<i>b</i> &lt;c&gt;</p>\n<p>d<br/>e</p>") == "A b <c>\n\nd\n\ne"
    assert plain_text("") is None and plain_text("<p> </p>") is None


def test_files_are_one_show_or_a_list_of_scheduled_episodes(tmp_path: Path) -> None:
    show = write(tmp_path / "show.json", dome())
    assert [len(r.episodes) for r in tvmaze.records(show)] == [5]
    listing = write(tmp_path / "gb.json", json.loads(json.dumps(schedule())))
    assert [r.show["id"] for r in tvmaze.records(listing)] == [20, 20]


def test_the_command_line_imports_files_and_prints_a_summary(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    files = [str(write(tmp_path / "show.json", dome())), str(tmp_path / "missing.json")]
    command = [sys.executable, "-m", "seed", "import", "--database-url", url, "--no-progress"]
    done = subprocess.run([*command, "tvmaze", *files], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("tvmaze: read 1, created ")
    assert done.stdout.strip().endswith(", updated 0, skipped 1")
    assert f"{tmp_path / 'missing.json'}:1: not TVmaze JSON" in done.stderr
