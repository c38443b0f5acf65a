"""DataFrame versions: the content digest, round trips of every dtype, dedup and refs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import jupyter_mlops.data as data
from jupyter_mlops.data.frames import frame_digest
from jupyter_mlops.errors import InvalidInput, NotFound

PINNED = "8160ad39800941778125cea79c0658bf9c8aa2cdcb494dc226ad40ec11d6cfbf"


def test_digest_is_full_length_and_pinned():
    fixed = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"], "c": [0.5, np.nan, 2.0]})
    # Pinned: a change of encoding would silently split every stored dataset's identity.
    assert frame_digest(fixed) == PINNED
    # The same logical content held differently in memory (object strings, nullable floats).
    held = pd.DataFrame({"a": np.array([1, 2, 3], dtype="int64"),
                         "b": pd.Series(["x", None, "z"], dtype=object),
                         "c": pd.array([0.5, None, 2.0], dtype="Float64")})
    assert frame_digest(held) == PINNED


def test_digest_covers_every_row_and_column():
    rows = 200_000
    big = pd.DataFrame({"x": np.arange(rows), "s": [f"v{i}" for i in range(rows)],
                        "f": np.linspace(0, 1, rows)})
    base = frame_digest(big)
    for column, value in (("x", -1), ("s", "changed"), ("f", 0.123)):
        changed = big.copy()
        changed.loc[rows - 1, column] = value
        assert frame_digest(changed) != base, column
    assert frame_digest(big[["s", "x", "f"]]) != base  # column order is schema
    assert frame_digest(big.rename(columns={"x": "y"})) != base
    assert frame_digest(big.astype({"x": "float64"})) != base  # the type is schema
    assert frame_digest(big.iloc[:-1]) != base


def test_digest_ignores_memory_layout_but_not_values(frame):
    base = frame_digest(frame)
    as_ns = frame.assign(signed_up=frame["signed_up"].dt.as_unit("ns"))
    assert frame_digest(as_ns) == base
    as_object = frame.assign(name=frame["name"].astype(object))
    assert frame_digest(as_object) == base
    assert frame_digest(frame.iloc[::-1]) != base
    zoned = frame.assign(signed_up=frame["signed_up"].dt.tz_convert("UTC"))
    assert frame_digest(zoned) != base  # same instants, another time zone
    nulls = frame.copy()
    nulls.loc[frame["score"].first_valid_index(), "score"] = np.nan
    assert frame_digest(nulls) != base


def test_round_trip_of_every_dtype(tracking, frame):
    version = data.version_data(frame, "customers", description="all dtypes")
    assert (version.ref, version.kind, version.rows) == ("customers@1", "dataframe", 50)
    assert version.columns["segment"] == "category"
    assert version.columns["signed_up"].endswith("Europe/Paris]")
    loaded = data.load_data("customers@1")
    pdt.assert_frame_equal(loaded, frame)
    assert loaded.attrs["mlops_ref"] == "customers@1"
    pdt.assert_frame_equal(data.load_data("customers@latest"), frame)
    pdt.assert_frame_equal(data.load_data("customers"), frame)


def test_non_default_index_round_trips_and_counts(tracking, frame):
    indexed = frame.set_index("name")
    version = data.version_data(indexed, "indexed")
    pdt.assert_frame_equal(data.load_data(version.ref), indexed)
    assert frame_digest(indexed) != frame_digest(frame)


def test_same_content_is_the_same_version(tracking, frame, blob_count):
    first = data.version_data(frame, "customers")
    stored = blob_count()
    again = data.version_data(frame.copy(), "customers")
    assert again == first
    assert blob_count() == stored
    # Another name with the same content reuses the stored Parquet and profile.
    other = data.version_data(frame, "copy")
    assert (other.ref, other.storage_digest) == ("copy@1", first.storage_digest)
    assert blob_count() == stored
    changed = frame.assign(score=frame["score"] + 1)
    second = data.version_data(changed, "customers")
    assert second.version == 2 and second.digest != first.digest
    versions = data.dataset_versions("customers")
    assert versions["version"].tolist() == [1, 2]
    assert versions["rows"].tolist() == [50, 50]


def test_listing_as_dataframes(tracking, frame):
    data.version_data(frame, "b-set")
    data.version_data(frame.head(10), "a-set", description="small")
    data.version_data(frame.head(12), "a-set")
    listing = data.datasets()
    assert listing["name"].tolist() == ["a-set", "b-set"]
    assert listing["latest_version"].tolist() == [2, 1]
    assert listing["rows"].tolist() == [12, 50]
    assert listing.loc[0, "description"] == "small"
    assert str(listing["updated_at"].dt.tz) == "UTC"


def test_profile_is_stored(tracking, frame):
    data.version_data(frame, "customers")
    profile = data.get_profile("customers@1")
    assert profile["rows"] == 50
    age = profile["columns"]["age"]
    assert (age["type"], age["nulls"], age["count"]) == ("numeric", 2, 48)
    assert age["min"] == float(frame["age"].min()) and age["max"] == float(frame["age"].max())
    assert sum(age["counts"]) == 48 and len(age["edges"]) == len(age["counts"]) + 1
    assert set(age["quantiles"]) == {"0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"}
    segment = profile["columns"]["segment"]
    assert segment["type"] == "categorical"
    assert sum(c for _, c in segment["top"]) == 50
    assert profile["columns"]["signed_up"]["type"] == "datetime"
    assert profile["columns"]["name"]["distinct"] == 48
    reference = data.reference_profile("customers@1")
    assert set(reference["columns"]) == {"id", "age", "segment", "name", "active", "score"}


@pytest.mark.parametrize(("ref", "error", "words"), [
    ("customers@0", InvalidInput, "Invalid dataset version"),
    ("customers@x", InvalidInput, "Invalid dataset version"),
    ("bad name", InvalidInput, "Invalid dataset name"),
    ("nobody", NotFound, "Unknown dataset 'nobody'. Known datasets: customers"),
    ("customers@7", NotFound, "has no version 7 (its versions are 1 to 1)"),
])
def test_bad_references_say_what_to_do(tracking, frame, ref, error, words):
    data.version_data(frame, "customers")
    with pytest.raises(error) as caught:
        data.load_data(ref)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_inputs_are_refused(tracking, frame):
    with pytest.raises(InvalidInput, match="Column names must be strings"):
        data.version_data(pd.DataFrame({0: [1]}), "ints")
    with pytest.raises(InvalidInput, match="Cannot version a list"):
        data.version_data([1, 2], "list")
    with pytest.raises(NotFound, match="No file or folder at"):
        data.version_data("no/such/file.csv", "missing")
    with pytest.raises(InvalidInput, match="Invalid dataset name"):
        data.version_data(frame, "a/b")
    with pytest.raises(InvalidInput, match="Python objects"):
        data.version_data(pd.DataFrame({"m": [1, "a", 2.5]}), "mixed")
