"""CrowdTangle search CSV export and API post JSON, on small samples written from the documented layout."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from peelian.ingest import detect_format, import_file
from peelian.ingest.formats.crowdtangle import parse_ct_time
from tests.ingest.helpers import posts

HEADER = [
    "Page Name", "User Name", "Facebook Id", "Page Category", "Page Admin Top Country", "Page Description",
    "Page Created", "Likes at Posting", "Followers at Posting", "Post Created", "Post Created Date",
    "Post Created Time", "Type", "Total Interactions", "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad",
    "Angry", "Care", "Video Share Status", "Is Video Owner?", "Post Views", "Total Views",
    "Total Views For All Crossposts", "Video Length", "URL", "Message", "Link", "Final Link", "Image Text",
    "Link Text", "Description", "Sponsor Id", "Sponsor Name", "Sponsor Category",
    "Total Interactions (weighted  \u2014  Likes 1x Shares 1x Comments 1x Love 1x Wow 1x Haha 1x Sad 1x Angry 1x "
    "Care 1x )",
    "Overperforming Score",
]


def row(**values: str) -> list[str]:
    base = {
        "Page Name": "Polícia Militar SP", "User Name": "PMESP", "Facebook Id": "100064", "Page Category": "POLICE",
        "Page Admin Top Country": "BR", "Page Description": "Página oficial",
        "Page Created": "2011-03-01 10:00:00 BRT",
        "Likes at Posting": "3.100.000", "Followers at Posting": "3.500.000",
        "Post Created": "2021-07-05 18:02:45 BRT", "Post Created Date": "2021-07-05", "Post Created Time": "18:02:45",
        "Type": "Photo", "Total Interactions": "407.137", "Likes": "270729", "Comments": "12345", "Shares": "3.456",
        "Love": "100000", "Wow": "10", "Haha": "20", "Sad": "-", "Angry": "N/A", "Care": "5",
        "Video Share Status": "", "Is Video Owner?": "-", "Post Views": "0", "Total Views": "0",
        "Total Views For All Crossposts": "0", "Video Length": "N/A",
        "URL": "https://www.facebook.com/100064/posts/4150000000000001", "Message": "Atenção, motoristas",
        "Link": "", "Final Link": "", "Image Text": "", "Link Text": "", "Description": "", "Sponsor Id": "",
        "Sponsor Name": "", "Sponsor Category": "", HEADER[-2]: "407.137", "Overperforming Score": "1,4",
    }
    base.update(values)
    return [base[h] for h in HEADER]


def export(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def test_search_export_csv(plain, tmp_path):
    rows = [
        row(Message='Operação "Verão", hoje:\nevitem a marginal,\nobrigado!'),               # rows 2-4
        row(**{"Post Created": "2021-07-04 22:38:03 EST", "Type": "Native Video", "Post Views": "1.500",
               "URL": "https://www.facebook.com/100064/videos/5550001/", "Message": "", "Likes": "7", "Love": "-",
               "Wow": "-", "Haha": "-", "Care": "-", "Comments": "-", "Shares": "N/A"}),    # row 5
        row(**{"Post Created": "2021-07-05 10:00:00 XYZ"}),                                      # row 6
        row(Likes="many"),                                                                       # row 7
        row(URL="https://www.facebook.com/PMESP/"),                                              # row 8
        row(**{"Post Created": "2021-07-05 10:00:00 CEST",
               "URL": "https://www.facebook.com/100064/posts/4150000000000009"}),               # row 9
    ]
    path = tmp_path / "2021-07-05-22-49-20-BRT-search-csv-export.csv"
    path.write_bytes(export(rows))
    assert detect_format(path).format == "crowdtangle"
    report = import_file(plain, path)
    assert (report.posts_new, report.quarantined, report.reconciles) == (3, 3, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "unknown or ambiguous time zone 'XYZ'" in reasons["row 6"] and "'Post Created'" in reasons["row 6"]
    assert "'Likes'" in reasons["row 7"] and "not a count" in reasons["row 7"]
    assert "'URL'" in reasons["row 8"] and "no post id" in reasons["row 8"]
    got = posts(plain)
    photo = got["100064_4150000000000001"]
    assert photo["created_at"] == datetime(2021, 7, 5, 21, 2, 45)
    assert photo["text"] == 'Operação "Verão", hoje:\nevitem a marginal,\nobrigado!'
    assert (photo["like_count"], photo["reply_count"], photo["repost_count"]) == (270729 + 100000 + 10 + 20 + 5, 12345,
                                                                                  3456)
    assert (photo["author_id"], photo["author_handle"], photo["author_followers"]) == ("100064", "PMESP", 3_500_000)
    assert photo["view_count"] is None and photo["kind"] == "original"
    video = got["100064_5550001"]
    assert video["created_at"] == datetime(2021, 7, 5, 3, 38, 3)
    assert (video["like_count"], video["reply_count"], video["repost_count"], video["view_count"]) == (7, None, None,
                                                                                                     1500)
    assert video["text"] is None
    assert got["100064_4150000000000009"]["created_at"] == datetime(2021, 7, 5, 8)
    assert plain.scalar("SELECT display_name FROM accounts WHERE account_id = '100064'") == "Polícia Militar SP"


def test_time_zone_abbreviations():
    assert parse_ct_time("2021-07-05 18:02:45 UTC") == datetime(2021, 7, 5, 18, 2, 45)
    assert parse_ct_time("2021-07-05 18:02:45 BST") == datetime(2021, 7, 5, 17, 2, 45)
    assert parse_ct_time("2021-01-05 18:02:45 PST") == datetime(2021, 1, 6, 2, 2, 45)
    assert parse_ct_time("2021-07-05 18:02 +05:30") == datetime(2021, 7, 5, 12, 32)
    with pytest.raises(ValueError, match="ambiguous"):
        parse_ct_time("2021-07-05 18:02:45 IST")
    with pytest.raises(ValueError, match="unrecognised"):
        parse_ct_time("05/07/2021 18:02")


def test_bad_csv_rows_encoding_quotes_and_shape(project, tmp_path):
    good = export([row()]).decode("utf-8")
    bad_bytes = export([row(URL="https://www.facebook.com/100064/posts/2", Message="caf\u00e9")]).split(b"\n", 1)[1]
    bad_bytes = bad_bytes.replace("café".encode(), b"caf\xe9")
    short = b"Only,three,cells\n"
    huge = export([row(URL="https://www.facebook.com/100064/posts/3", Message="x" * 200_000)]).split(b"\n", 1)[1]
    stray = b'"Page,"quoted" wrongly\n'
    unclosed = b'"Page,never closed\n'
    path = tmp_path / "export.csv"
    path.write_bytes(good.encode("utf-8") + bad_bytes + short + huge + stray + unclosed)
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.reconciles) == ("crowdtangle", 1, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "UTF-8" in reasons["row 3"] and "3 cells" in reasons["row 4"]
    assert "longer than" in reasons["row 5"] and "must be doubled" in reasons["row 6"]
    assert "never closed" in reasons["row 7"]

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in import_file(project, empty).error


API_POST = {
    "id": "7424|4150000000000001", "platformId": "100064_4150000000000001", "platform": "Facebook",
    "date": "2020-01-21 16:58:43", "updated": "2020-01-22 01:00:00", "type": "photo",
    "message": "Atenção, motoristas", "postUrl": "https://www.facebook.com/100064/posts/4150000000000001",
    "languageCode": "und", "subscriberCount": 3500000, "score": 1.4,
    "statistics": {"actual": {"likeCount": 10, "shareCount": 2, "commentCount": 3, "loveCount": 4, "wowCount": 0,
                              "hahaCount": 0, "sadCount": 0, "angryCount": 1, "thankfulCount": 0, "careCount": 0},
                   "expected": {"likeCount": 100}},
    "account": {"id": 7424, "name": "Polícia Militar SP", "handle": "PMESP", "platformId": "100064",
                "accountType": "facebook_page", "subscriberCount": 3500000, "verified": True},
}


def test_api_posts_merge_with_the_csv_post(plain, tmp_path):
    csv_path = tmp_path / "export.csv"
    csv_path.write_bytes(export([row()]))
    import_file(plain, csv_path)
    page = {"status": 200, "result": {"posts": [API_POST, {**API_POST, "platformId": None, "id": "7424|99"},
                                                {"id": "x", "account": {}, "platformId": "1_2", "date": "not a date"}],
                                      "pagination": {"nextPage": "https://api.crowdtangle.com/posts?token=x"}}}
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(page))
    assert detect_format(path).format == "crowdtangle"
    report = import_file(plain, path)
    assert (report.posts_updated, report.posts_new, report.quarantined) == (1, 1, 1)
    assert "unrecognised time" in report.quarantine_examples[0]["reason"]
    assert report.quarantine_examples[0]["location"] == "document, result.posts[2]"
    merged = posts(plain)["100064_4150000000000001"]
    assert merged["created_at"] == datetime(2020, 1, 21, 16, 58, 43)  # naive UTC
    assert (merged["like_count"], merged["reply_count"], merged["repost_count"], merged["language"]) == (15, 3, 2,
                                                                                                       None)
    single = tmp_path / "single.json"
    single.write_text(json.dumps(API_POST))
    assert detect_format(single).format == "crowdtangle"
    assert import_file(plain, single).duplicates == 1
