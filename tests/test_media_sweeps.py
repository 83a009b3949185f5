"""The sweeps that keep incoming storage honest: lost processing jobs are
queued again, abandoned parked uploads are deleted."""

import os
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from phananh.reports import media as media_lib
from phananh.reports import tasks
from phananh.reports.models import Media, MediaKind


@pytest.fixture(autouse=True)
def empty_incoming():
    """Incoming storage lives for the whole test session; start each test empty."""
    storage = storages["incoming"]
    if storage.exists(""):
        for name in storage.listdir("")[1]:
            storage.delete(name)


def pending_photo(report, name, age):
    item = Media.objects.create(report=report, kind=MediaKind.EVIDENCE, incoming=name)
    Media.objects.filter(pk=item.pk).update(created_at=timezone.now() - age)
    return item


def age_file(name, hours):
    path = storages["incoming"].path(name)
    moment = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))


def test_a_photo_whose_job_was_lost_is_processed_by_the_sweep(submit_report, parked_photo):
    report = submit_report()
    lost = pending_photo(report, parked_photo(), timedelta(minutes=30))
    fresh = pending_photo(report, parked_photo(), timedelta(minutes=2))
    given_up = pending_photo(report, parked_photo(), timedelta(days=3))
    tasks.requeue_lost_media.call_local()
    lost.refresh_from_db(), fresh.refresh_from_db(), given_up.refresh_from_db()
    assert lost.ready and not lost.incoming
    # Too young to be lost, or failing for days: left alone.
    assert not fresh.ready and fresh.incoming
    assert not given_up.ready and given_up.incoming


def test_only_old_unreferenced_uploads_are_swept(submit_report, parked_photo):
    report = submit_report()
    abandoned, recent, waiting = parked_photo(), parked_photo(), parked_photo()
    pending_photo(report, waiting, timedelta(days=3))
    age_file(abandoned, 30)
    age_file(waiting, 30)
    age_file(recent, 2)
    deleted = media_lib.sweep_abandoned_uploads(timezone.now(), older_than=timedelta(hours=24))
    storage = storages["incoming"]
    assert deleted == 1
    assert not storage.exists(abandoned)
    assert storage.exists(recent) and storage.exists(waiting)


def test_sweeping_an_empty_store_does_nothing(db):
    assert media_lib.sweep_abandoned_uploads(timezone.now(), older_than=timedelta(hours=24)) == 0
