"""Tracking codes people read aloud and type back, and the secret citizen tokens."""

import re

import pytest

from phananh.lib import codes

CODE_SHAPE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$")


def test_alphabet_has_no_look_alikes():
    assert len(codes.ALPHABET) == len(set(codes.ALPHABET)) == 31
    assert set("01OIL").isdisjoint(codes.ALPHABET)
    assert codes.ALPHABET == codes.ALPHABET.upper()


def test_new_codes_have_the_right_shape():
    drawn = [codes.new_tracking_code() for _ in range(500)]
    assert all(CODE_SHAPE.match(code) for code in drawn)
    assert len(set(drawn)) == len(drawn)
    # Every symbol turns up: the draw is over the whole alphabet.
    assert set("".join(drawn).replace("-", "")) == set(codes.ALPHABET)


def test_new_codes_are_already_normal():
    for _ in range(50):
        code = codes.new_tracking_code()
        assert codes.normalize_tracking_code(code) == code


@pytest.mark.parametrize("typed", [
    "K7MW-3QDP",
    "k7mw-3qdp",
    "K7MW3QDP",
    "k7mw 3qdp",
    "  K7MW - 3QDP  ",
    "K7MW–3QDP",          # en dash from a phone keyboard
    "K7MW_3QDP",
    "K7MW.3QDP",
    "ｋ７ｍｗ－３ｑｄｐ",  # full-width input
    "K 7 M W 3 Q D P",
])
def test_typed_variants_normalise(typed):
    assert codes.normalize_tracking_code(typed) == "K7MW-3QDP"


@pytest.mark.parametrize("typed", [
    "",
    None,
    "K7MW-3QD",        # too short
    "K7MW-3QDPX",      # too long
    "K0MW-3QDP",       # 0 is never used
    "KOMW-3QDP",       # nor O
    "K1MW-3QDP",       # nor 1
    "KIMW-3QDP",       # nor I
    "KLMW-3QDP",       # nor L
    "KĐMW-3QDP",       # Vietnamese letters are not in the alphabet
    "--------",
])
def test_impossible_codes_are_none(typed):
    assert codes.normalize_tracking_code(typed) is None


def test_tokens_are_long_random_and_url_safe():
    tokens = {codes.new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}", token) for token in tokens)


def test_token_hash_is_sha256_hex_and_stable():
    token = codes.new_token()
    digest = codes.hash_token(token)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert codes.hash_token(token) == digest
    assert codes.hash_token(token + "x") != digest
    assert token not in digest


def test_token_matches():
    token = codes.new_token()
    stored = codes.hash_token(token)
    assert codes.token_matches(token, stored)
    assert not codes.token_matches(token[:-1], stored)
    assert not codes.token_matches(codes.new_token(), stored)
    assert not codes.token_matches(stored, stored)  # the hash itself is not a token


@pytest.mark.parametrize("token, stored", [
    ("", codes.hash_token("")),   # an empty token never matches, even the hash of ""
    (None, codes.hash_token("x")),
    ("x", ""),
    ("x", None),
    ("bình-thường", codes.hash_token("x")),  # non-ASCII typed into a link does not crash
])
def test_token_matches_refuses_empty_and_odd_input(token, stored):
    assert codes.token_matches(token, stored) is False
