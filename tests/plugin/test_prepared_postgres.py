"""The postgres fixture's prepared images: made once, used after, replaced when the base changes."""

from __future__ import annotations

import psycopg
import pytest

from dockdjango.api.testing import TestSession
from dockdjango.api.testing.testpostgres import PREPARED_REPOSITORY, start_postgres

pytestmark = pytest.mark.engine


def prepared_tags(engine, base_ref: str) -> list[str]:
    rows = engine.api.images(filters={"label": f"dev.dockdjango.prepared-from={base_ref}"})
    return sorted(t for r in rows for t in r.get("RepoTags") or [])


def test_prepared_once_then_reused_and_replaced_after_a_rebuild(
    engine, pg_image, unique_name, cleanup_images
) -> None:
    base = f"{unique_name}:pg"  # our own reference: no other run's prepared image is touched
    engine.api.tag(pg_image, unique_name, "pg")
    cleanup_images.append(base)
    with TestSession(engine) as session:
        first = start_postgres(session, base, user="u1", password="p1", dbname="d1")
        tags = prepared_tags(engine, base)
        cleanup_images.extend(tags)
        assert len(tags) == 1 and tags[0].startswith(PREPARED_REPOSITORY + ":")
        assert first.container.inspect()["Config"]["Image"] == tags[0]
        with psycopg.connect(first.url) as conn:
            assert conn.execute("select current_user, current_database()").fetchone() == (
                "u1",
                "d1",
            )
        session.remove(first.container)

        again = start_postgres(session, base, user="u1", password="p1", dbname="d1")
        assert prepared_tags(engine, base) == tags  # used, not made again
        session.remove(again.container)

        # "Rebuild" the base: same content, new image id under the same reference.
        scratch = engine.api.create_container(base, command=["true"])
        cleanup_images.append(
            str(engine.api.commit(scratch["Id"], repository=unique_name, tag="pg")["Id"])
        )
        engine.api.remove_container(scratch["Id"], force=True, v=True)
        rebuilt = start_postgres(session, base, user="u1", password="p1", dbname="d1")
        new_tags = prepared_tags(engine, base)
        cleanup_images.extend(new_tags)
        assert len(new_tags) == 1 and new_tags != tags  # the stale one is gone
        with psycopg.connect(rebuilt.url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
