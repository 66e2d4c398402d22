"""docs/security.md shows the authorisation matrix the suite checks: its table is generated from
``security_matrix.MATRIX`` (``python tests/security/security_matrix.py`` rewrites it)."""

from security_matrix import BEGIN, DOC, END, rendered_section


def test_the_documented_matrix_is_the_checked_one():
    document = DOC.read_text()
    assert BEGIN in document and END in document, (
        f"{DOC} lacks the markers {BEGIN} / {END} around the authorisation matrix"
    )
    assert document == rendered_section(document), (
        "docs/security.md's authorisation matrix differs from tests/security/security_matrix.py:"
        " run `.venv/bin/python tests/security/security_matrix.py` to rewrite it"
    )
