"""Parallel requests on one registration, post or pairing: exactly one wins, the others get a clear 409.

Each thread has its own database connection (the test database is a file, so on SQLite the IMMEDIATE transactions
really queue; on PostgreSQL the row locks do), and a barrier releases the requests together.
"""

import threading

import pytest
from django.db import connection

from apps.registrations.models import Pairing, PostClaim, Registration, RegistrationStatus
from tests import factories as f
from tests.conftest import client_for
from tests.registrations.conftest import HOME_ADDRESS, OTHER_ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)


def _race(requests):
    """Run the callables at the same moment, each in its own thread; return their responses in order."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(i, send):
        try:
            barrier.wait(timeout=10)
            responses[i] = send()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in responses), "a request did not finish"
    return responses


def _outcome(responses):
    return sorted((r.status_code, r.json().get("code")) for r in responses)


def test_parallel_claims_on_the_last_place_have_one_winner(world, make_registration):
    post = f.PostFactory(community=world.community, capacity=1)
    members = [f.MemberFactory() for _ in range(4)]
    for member in members:
        make_registration(member=member)
    clients = [client_for(m.user) for m in members]
    responses = _race([lambda c=c: c.post(f"/api/v1/posts/{post.id}/claim/") for c in clients])
    assert _outcome(responses) == [(201, None)] + [(409, "post_full")] * 3
    assert PostClaim.objects.filter(post=post, released_at__isnull=True).count() == 1


def test_parallel_submissions_of_one_member_leave_one_registration(places):
    clients = [client_for(places.member.user) for _ in range(3)]
    addresses = [HOME_ADDRESS, OTHER_ADDRESS, HOME_ADDRESS]
    requests = [
        lambda c=c, a=a: c.post("/api/v1/registrations/", {"address": a})
        for c, a in zip(clients, addresses, strict=True)
    ]
    responses = _race(requests)
    assert _outcome(responses) == [(201, None)] + [(409, "registration_already_active")] * 2
    assert Registration.objects.filter(member=places.member).count() == 1


def test_parallel_confirmations_issue_one_receipt(world, make_registration):
    reg = make_registration(status=RegistrationStatus.PENDING)
    clients = [client_for(world.staff), client_for(world.superuser)]
    responses = _race([lambda c=c: c.post(f"/api/v1/registrations/{reg.id}/confirm/") for c in clients])
    assert _outcome(responses) == [(200, None), (409, "registration_not_pending")]
    winner = next(r for r in responses if r.status_code == 200).json()
    current = Registration.objects.get(pk=reg.pk)
    assert current.receipt_number == winner["receipt_number"] and current.decided_by.name == winner["decided_by"]


def test_parallel_overlapping_pairings_leave_one(world):
    body = {"organ": world.organ.id, "community": world.community.id, "starts_on": "2026-01-01"}
    clients = [client_for(world.reviewer), client_for(world.superuser)]
    responses = _race([lambda c=c: c.post("/api/v1/pairings/", body) for c in clients])
    assert _outcome(responses) == [(201, None), (409, "pairing_exists")]
    assert Pairing.objects.filter(organ=world.organ, community=world.community).count() == 1
