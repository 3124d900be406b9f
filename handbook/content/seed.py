"""Content for the demo and the province data sets: documents, news, and a year of reading.

The province seeder hands ``seed_content_activity`` a context holding its random generator, the
date range and the tree as arrays; everything is written with Core inserts in chunks.
"""
from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text

from handbook.bulk import insert_rows
from handbook.clock import utcnow
from handbook.content.models import DOCUMENT_TYPES, Article, Attachment, Bookmark, Document, ReadMark
from handbook.content.operations import READ_SOURCE
from handbook.richtext import sanitize_html
from handbook.content.uploads import stored_path
from handbook.organizations.models import Organization
from handbook.scope import path_ids
from handbook.seed.vocabulary import vocabulary
from handbook.study.models import PointEntry
from handbook.text import search_key

ATTACHMENT_SHARE = 0.25  # about one document in four comes with its scanned text as a PDF
TYPE_BY_LABEL = {label: code for code, label in DOCUMENT_TYPES.items()}
ABBREVIATIONS = {
    "resolution": "NQ", "regulation": "QĐ", "directive": "CT", "conclusion": "KL", "guidance": "HD",
    "plan": "KH", "notice": "TB", "instruction": "CV",
}
TOPICS = [
    "công tác xây dựng, chỉnh đốn Đảng", "nâng cao chất lượng sinh hoạt chi bộ", "phát triển đảng viên mới",
    "chuyển đổi số trong hoạt động của các tổ chức đảng", "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "xây dựng nông thôn mới nâng cao", "công tác kiểm tra, giám sát và thi hành kỷ luật đảng",
    "phòng, chống tham nhũng, tiêu cực", "công tác dân vận trong tình hình mới", "bảo vệ nền tảng tư tưởng của Đảng",
    "tổ chức đại hội đảng bộ các cấp", "kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên",
    "thu, nộp, quản lý đảng phí", "công tác thi đua, khen thưởng", "phát triển kinh tế - xã hội năm tới",
    "công tác bảo vệ chính trị nội bộ", "sắp xếp tổ chức bộ máy tinh gọn, hiệu lực, hiệu quả",
    "công tác cán bộ và quy hoạch cán bộ", "phòng, chống thiên tai, dịch bệnh", "công tác tuyên giáo",
]
# Each news item: its title, the summary the feed shows and the article's own paragraphs, which go on
# from the summary rather than repeat it. "{org}" is the publishing organization, named as it is spelt.
NEWS = [
    ("Hội nghị học tập, quán triệt nghị quyết",
     "{org} tổ chức hội nghị học tập, quán triệt các nghị quyết mới của Đảng tới toàn thể cán bộ, đảng viên.",
     ["Báo cáo viên truyền đạt những nội dung cơ bản, điểm mới của các nghị quyết và liên hệ với tình hình "
      "thực tiễn của địa phương.",
      "Sau hội nghị, mỗi đảng viên viết bài thu hoạch và xây dựng kế hoạch cá nhân thực hiện nghị quyết."]),
    ("Kết quả sinh hoạt chi bộ chuyên đề",
     "{org} đánh giá kết quả sinh hoạt chi bộ chuyên đề quý vừa qua tại các chi bộ trực thuộc.",
     ["Nhiều chi bộ chọn chuyên đề sát với thực tiễn, khuyến khích đảng viên phát biểu, đóng góp ý kiến.",
      "Thời gian tới, các chi bộ tiếp tục đổi mới nội dung, hình thức sinh hoạt, gắn với nhiệm vụ chính trị "
      "của địa phương, đơn vị."]),
    ("Trao Huy hiệu Đảng cho đảng viên lão thành",
     "{org} trao Huy hiệu 30, 40, 50 năm tuổi Đảng cho các đảng viên lão thành.",
     ["Thay mặt các đảng viên được nhận Huy hiệu, đồng chí đại diện bày tỏ niềm vinh dự, tự hào và hứa tiếp "
      "tục giữ gìn phẩm chất, tư cách người đảng viên.",
      "Dịp này, cấp ủy thăm hỏi, tặng quà các đảng viên cao tuổi có hoàn cảnh khó khăn."]),
    ("Ra quân xây dựng nông thôn mới",
     "Cán bộ, đảng viên {org} ra quân làm đường giao thông, vệ sinh môi trường, hưởng ứng phong trào xây dựng "
     "nông thôn mới nâng cao.",
     ["Các chi bộ phân công đảng viên phụ trách từng tuyến đường, vận động nhân dân hiến đất, góp ngày công.",
      "Phong trào góp phần thay đổi diện mạo các thôn, xóm và củng cố niềm tin của nhân dân."]),
    ("Tổng kết công tác xây dựng Đảng",
     "{org} tổng kết công tác xây dựng Đảng năm qua và triển khai nhiệm vụ trọng tâm năm tới.",
     ["Công tác giáo dục chính trị, tư tưởng được chú trọng; chất lượng sinh hoạt chi bộ từng bước nâng lên; "
      "công tác phát triển đảng viên đạt chỉ tiêu đề ra.",
      "Hội nghị chỉ ra những hạn chế cần khắc phục và thống nhất các giải pháp nâng cao năng lực lãnh đạo, "
      "sức chiến đấu của tổ chức đảng."]),
    ("Kết nạp đảng viên mới",
     "{org} kết nạp đảng viên mới cho những quần chúng ưu tú đủ tiêu chuẩn, điều kiện.",
     ["Buổi lễ được tiến hành trang trọng theo đúng quy định của Điều lệ Đảng; các đảng viên mới đọc lời "
      "tuyên thệ trước cờ Đảng.",
      "Cấp ủy phân công đảng viên chính thức giúp đỡ các đồng chí trong thời gian dự bị."]),
    ("Hội nghị Ban Chấp hành mở rộng",
     "{org} tổ chức hội nghị Ban Chấp hành mở rộng, đánh giá việc thực hiện nhiệm vụ sáu tháng đầu năm.",
     ["Các đại biểu thảo luận những khó khăn, vướng mắc và đề xuất giải pháp hoàn thành nhiệm vụ cả năm.",
      "Hội nghị cũng cho ý kiến về công tác cán bộ và một số nội dung quan trọng khác."]),
    ("Tuyên dương đảng viên tiêu biểu",
     "{org} tuyên dương các đảng viên tiêu biểu trong học tập và làm theo tư tưởng, đạo đức, phong cách "
     "Hồ Chí Minh.",
     ["Các đảng viên được tuyên dương đều là những tấm gương có nhiều đóng góp cho phong trào của địa phương, "
      "đơn vị.",
      "Việc tuyên dương nhằm lan tỏa những cách làm hay, tạo động lực thi đua trong toàn đảng bộ."]),
    ("Triển khai Sổ tay đảng viên điện tử",
     "{org} hướng dẫn cán bộ, đảng viên cài đặt và sử dụng Sổ tay đảng viên điện tử trên điện thoại.",
     ["Ứng dụng giúp đảng viên đọc tài liệu, nhận thông báo và theo dõi điểm tích lũy mọi lúc, mọi nơi.",
      "Các chi bộ cử đảng viên trẻ giúp những đồng chí cao tuổi làm quen với ứng dụng."]),
    ("Kiểm tra, giám sát chuyên đề",
     "Đoàn kiểm tra của {org} kiểm tra, giám sát chuyên đề việc thực hiện nhiệm vụ của các tổ chức đảng "
     "trực thuộc.",
     ["Các tổ chức đảng cơ bản thực hiện nghiêm các quy định; một số nơi còn chậm cập nhật hồ sơ, sổ sách.",
      "Đoàn đề nghị các tổ chức đảng khắc phục ngay những tồn tại và báo cáo kết quả trong tháng tới."]),
    ("Gặp mặt kỷ niệm ngày thành lập Đảng",
     "{org} gặp mặt kỷ niệm ngày thành lập Đảng Cộng sản Việt Nam (3/2).",
     ["Các đại biểu ôn lại chặng đường lịch sử vẻ vang của Đảng và những thành tựu của quê hương.",
      "Dịp này, nhiều tập thể, cá nhân được biểu dương vì có thành tích xuất sắc trong công tác xây dựng Đảng."]),
    ("Hướng dẫn đóng đảng phí trực tuyến",
     "{org} hướng dẫn đảng viên đóng đảng phí qua tài khoản ngân hàng, thuận tiện và minh bạch.",
     ["Mỗi khoản đảng phí được ghi nhận tự động; chi bộ theo dõi được tình hình thu nộp hằng tháng.",
      "Đảng viên vẫn có thể nộp trực tiếp cho đồng chí được chi bộ phân công thu đảng phí."]),
]


def _as_datetime(value) -> datetime:
    """A date or datetime as a naive datetime."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(0, 0))


def _between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """A random moment in [low, high]."""
    span = max(int((high - low).total_seconds()), 1)
    return low + timedelta(seconds=rng.randrange(span))


def _subject(title: str) -> str:
    """What a document is about, to follow "về" inside a sentence: the part of a generated title after
    "về", or a real document's title with its first letter in lower case (no title starts with a name)."""
    about = title.split(" về ", 1)[1] if " về " in title else title
    return about[:1].lower() + about[1:]


def _document_row(rng, n, doc_type, level, org_id, issuing_body, suffix, issued_on, published_at, title=None, number=None):
    """One document row with its search key; its full text goes on from the summary, never repeats it."""
    title = title or f"{DOCUMENT_TYPES[doc_type]} về {rng.choice(TOPICS)}"
    number = number or f"{n}-{ABBREVIATIONS[doc_type]}/{suffix}"
    type_label = DOCUMENT_TYPES[doc_type]
    summary = f"{issuing_body} ban hành {type_label.lower()} số {number} về {_subject(title)}."
    body = (f"Căn cứ Điều lệ Đảng; căn cứ Quy chế làm việc của {issuing_body}.\n"
            f"1. Các cấp ủy, tổ chức đảng quán triệt nội dung {type_label.lower()} đến toàn thể cán bộ, đảng viên.\n"
            "2. Xây dựng kế hoạch thực hiện phù hợp với tình hình thực tế của địa phương, đơn vị.\n"
            f"3. Định kỳ sơ kết, báo cáo kết quả thực hiện về {issuing_body}.")
    now = utcnow()
    return {
        "doc_type": doc_type, "number": number, "title": title, "issuing_body": issuing_body, "issued_on": issued_on,
        "level": level, "summary": summary, "body_text": body, "organization_id": org_id, "status": "published",
        "published_at": published_at, "points": rng.choice((1, 1, 2, 2, 3)),
        "search_key": search_key(" ".join([type_label, number, title, issuing_body, summary, body]))[:8000],
        "created_at": now, "updated_at": now,
    }


def _article_row(rng, org_id, org_name, published_at, pinned=False):
    """One news item of ``org_name`` (spelt as the tree spells it) with its sanitized body and search key."""
    topic, summary, paragraphs = rng.choice(NEWS)
    title = f"{topic} tại {org_name}"
    summary = summary.format(org=org_name)
    body = sanitize_html("".join(f"<p>{paragraph}</p>" for paragraph in paragraphs))
    now = utcnow()
    return {
        "title": title, "summary": summary, "body_html": body, "organization_id": org_id, "status": "published",
        "published_at": published_at, "pinned": pinned, "points": rng.choice((0, 1, 1, 2)),
        "search_key": search_key(" ".join([title, summary, *paragraphs]))[:8000],
        "created_at": now, "updated_at": now,
    }


def document_pdf(doc) -> tuple[bytes, str]:
    """A one-page A4 PDF of a document (issuer, number, date, type, title, summary, text) and its text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    from handbook.pdf import vietnamese_fonts

    regular, bold = vietnamese_fonts()
    issued = doc.issued_on
    # (font, size, centred, text): the layout of a Party document, heading centred.
    parts = [
        (bold, 11, False, (doc.issuing_body or "").upper()),
        (regular, 11, False, f"Số: {doc.number}" if doc.number else ""),
        (regular, 11, False, f"Thái Bình, ngày {issued.day} tháng {issued.month} năm {issued.year}" if issued else ""),
        (bold, 14, True, DOCUMENT_TYPES.get(doc.doc_type, doc.doc_type).upper()),
        (bold, 12, True, doc.title),
        (regular, 11, False, doc.summary or ""),
        (regular, 11, False, doc.body_text or ""),
    ]
    width, height = A4
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    page.setTitle(doc.title)
    y, lines = height - 72, []
    for font, size, centred, line in parts:
        for paragraph in line.split("\n"):
            for wrapped in simpleSplit(paragraph, font, size, width - 144) if paragraph else []:
                page.setFont(font, size)
                if centred:
                    page.drawCentredString(width / 2, y, wrapped)
                else:
                    page.drawString(72, y, wrapped)
                lines.append(wrapped)
                y -= size * 1.5
        y -= 6
    page.showPage()
    page.save()
    return out.getvalue(), "\n".join(lines)


def attach_document_files(session, rng: random.Random, after_id: int = 0, share: float = ATTACHMENT_SHARE) -> int:
    """Give about ``share`` of the documents with id > ``after_id`` a PDF, written to the upload folder."""
    columns = (Document.id, Document.doc_type, Document.number, Document.title, Document.issuing_body,
               Document.issued_on, Document.summary, Document.body_text, Document.published_at)
    rows = []
    for doc in session.execute(select(*columns).where(Document.id > after_id).order_by(Document.id)):
        if rng.random() >= share:
            continue
        data, content = document_pdf(doc)
        # Names from the seeded generator: the same --seed writes the same files again, never new ones.
        stored_name = f"{rng.getrandbits(128):032x}.pdf"
        with open(stored_path(stored_name), "wb") as out:
            out.write(data)
        rows.append({
            "document_id": doc.id, "original_name": f"{(doc.number or str(doc.id)).replace('/', '-')}.pdf",
            "stored_name": stored_name, "kind": "pdf", "mime": "application/pdf", "size": len(data),
            "text_content": content, "text_state": "done", "text_state_at": doc.published_at,
            "created_at": doc.published_at,
        })
    insert_rows(session, Attachment.__table__, rows)
    return len(rows)


def seed_content_activity(session, ctx, documents: int = 2000, articles: int = 3000,
                          reader_share: float = 0.4, reads_per_month: float = 2.0) -> dict[str, int]:
    """Documents and news across levels, and a year of reading (read marks and ledger rows); return counts.

    Trung ương and province items are published by the root; local ones by committees and grassroots
    organizations. About ``reader_share`` of members read about ``reads_per_month`` items a month,
    each from what their branch's path up to the root published.
    """
    rng = ctx.rng
    if session.get_bind().dialect.name == "sqlite":
        # A million random-order index inserts thrash SQLite's default 2 MB page cache.
        session.execute(text("PRAGMA cache_size=-262144"))
    start, end = _as_datetime(ctx.start), _as_datetime(ctx.end)
    if end <= start:
        raise ValueError("the date range is empty")
    root_index = min(range(len(ctx.org_ids)), key=lambda i: len(ctx.org_paths[i]))
    root = ctx.org_ids[root_index]
    local = [ctx.org_ids[i] for i, k in enumerate(ctx.org_kinds) if k in ("committee", "grassroots")] or [root]
    committees = {ctx.org_ids[i] for i, k in enumerate(ctx.org_kinds) if k == "committee"}
    name_of = dict(zip(ctx.org_ids, ctx.org_names))
    first_doc = session.execute(select(func.coalesce(func.max(Document.id), 0))).scalar_one()
    first_article = session.execute(select(func.coalesce(func.max(Article.id), 0))).scalar_one()

    doc_rows = []
    types = list(DOCUMENT_TYPES)
    for n in range(1, documents + 1):
        share = rng.random()
        published_at = _between(rng, start - timedelta(days=365), end)
        issued_on = (published_at - timedelta(days=rng.randint(0, 20))).date()
        if share < 0.1:
            doc_type = rng.choice(("resolution", "regulation", "directive", "conclusion"))
            row = _document_row(rng, n, doc_type, "central", root, "Ban Chấp hành Trung ương", "TW", issued_on, published_at)
        elif share < 0.3:
            doc_type = rng.choice(types)
            row = _document_row(rng, n, doc_type, "province", root, "Tỉnh ủy", "TU", issued_on, published_at)
        else:
            org = rng.choice(local)
            suffix, body = ("HU", f"Ban Thường vụ {name_of[org]}") if org in committees else ("ĐU", name_of[org])
            row = _document_row(rng, n, rng.choice(types), "local", org, body, suffix, issued_on, published_at)
        doc_rows.append(row)
    insert_rows(session, Document.__table__, doc_rows)
    attachments = attach_document_files(session, rng, first_doc)

    article_rows = []
    for _ in range(articles):
        org = root if rng.random() < 0.2 else rng.choice(local)
        article_rows.append(_article_row(rng, org, name_of[org], _between(rng, start, end), pinned=rng.random() < 0.02))
    insert_rows(session, Article.__table__, article_rows)

    # What each organization published: (is_document, id, published_at, points).
    published: dict[int, list[tuple[bool, int, datetime, int]]] = {}
    for did, oid, when, pts in session.execute(
        select(Document.id, Document.organization_id, Document.published_at, Document.points).where(Document.id > first_doc)
    ):
        published.setdefault(oid, []).append((True, did, when, pts))
    for aid, oid, when, pts in session.execute(
        select(Article.id, Article.organization_id, Article.published_at, Article.points).where(Article.id > first_article)
    ):
        published.setdefault(oid, []).append((False, aid, when, pts))

    path_of = dict(zip(ctx.org_ids, ctx.org_paths))
    audience: dict[int, list] = {}
    months = max(round((end - start).days / 30.4), 1)
    marks, entries = [], []
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        if rng.random() >= reader_share:
            continue
        items = audience.get(branch_id)
        if items is None:
            ancestors = path_ids(path_of.get(branch_id, ""))
            items = audience[branch_id] = [it for oid in ancestors for it in published.get(oid, ())]
        if not items:
            continue
        wanted = max(int(round(months * reads_per_month * rng.uniform(0.5, 1.5))), 1)
        for is_doc, item_id, when, pts in rng.sample(items, min(wanted, len(items))):
            read_at = _between(rng, max(when, start), end) if when < end else end
            marks.append({"member_id": member_id, "document_id": item_id if is_doc else None,
                          "article_id": None if is_doc else item_id, "read_at": read_at})
            if pts:
                entries.append({"member_id": member_id, "source": READ_SOURCE,
                                "reference": f"{'document' if is_doc else 'article'}:{item_id}",
                                "points": pts, "created_at": read_at})
        if len(marks) >= 50000:
            insert_rows(session, ReadMark.__table__, marks)
            insert_rows(session, PointEntry.__table__, entries)
            marks, entries = [], []
    insert_rows(session, ReadMark.__table__, marks)
    insert_rows(session, PointEntry.__table__, entries)
    session.commit()
    # Counts are of the whole tables, earlier rows included.
    return {
        "documents": documents, "articles": articles, "document_attachments": attachments,
        "read_marks": session.execute(select(func.count()).select_from(ReadMark)).scalar_one(),
        "point_entries": session.execute(select(func.count()).select_from(PointEntry)).scalar_one(),
    }


def seed_demo_content(session, rng: random.Random) -> dict[str, int]:
    """Real Party documents and some news at province and committee levels, so member pages show something."""
    root = session.execute(select(Organization).order_by(func.length(Organization.path), Organization.id)).scalars().first()
    if root is None:
        return {"documents": 0, "articles": 0}
    committees = session.execute(
        select(Organization).where(Organization.kind == "committee").order_by(Organization.path)
    ).scalars().all()
    now = utcnow()
    docs = []
    for n, item in enumerate(vocabulary()["documents"], start=1):
        doc_type = TYPE_BY_LABEL.get(item["type"], "instruction")
        issued_on = date(item["year"], 1 + (n * 5) % 12, 1 + (n * 7) % 27)
        suffix = item["number"].split("/")[-1]
        body = "Ban Chấp hành Trung ương" if suffix == "TW" else "Ban Tổ chức Trung ương"
        docs.append(_document_row(rng, n, doc_type, "central", root.id, body, suffix, issued_on,
                                  now - timedelta(days=40 - n), title=item["title"], number=item["number"]))
    for n, doc_type in enumerate(("plan", "guidance", "notice"), start=1):
        docs.append(_document_row(rng, 100 + n, doc_type, "province", root.id, "Tỉnh ủy", "TU",
                                  (now - timedelta(days=20 * n)).date(), now - timedelta(days=20 * n)))
    for c, committee in enumerate(committees):
        for n, doc_type in enumerate(("resolution", "plan"), start=1):
            docs.append(_document_row(rng, 200 + 10 * c + n, doc_type, "local", committee.id, f"Ban Thường vụ {committee.name}",
                                      "HU", (now - timedelta(days=7 * n + c)).date(), now - timedelta(days=7 * n + c)))
    first_doc = session.execute(select(func.coalesce(func.max(Document.id), 0))).scalar_one()
    insert_rows(session, Document.__table__, docs)
    attach_document_files(session, rng, first_doc, share=1.0)  # every demo document can be downloaded
    articles = [_article_row(rng, root.id, root.name, now - timedelta(days=3 * n), pinned=n == 0) for n in range(6)]
    for c, committee in enumerate(committees):
        articles += [_article_row(rng, committee.id, committee.name, now - timedelta(days=2 * n + c + 1)) for n in range(3)]
    insert_rows(session, Article.__table__, articles)
    return {"documents": len(docs), "articles": len(articles)}


def seed_bookmarks(session, ctx) -> dict[str, int]:
    """Read-later lists: about one member account in ten keeps a few central or province documents."""
    from handbook.auth.models import User
    from handbook.seed.vocabulary import moment

    rng = ctx.rng
    root = min(zip(ctx.org_paths, ctx.org_ids))[1]
    shared_docs = session.execute(select(Document.id).where(Document.organization_id == root)).scalars().all()
    rows = []
    if shared_docs:
        for uid in session.execute(select(User.id).where(User.role == "member").order_by(User.id)).scalars():
            if rng.random() < 0.1:
                for doc_id in rng.sample(shared_docs, min(len(shared_docs), rng.randint(1, 3))):
                    rows.append({"user_id": uid, "document_id": doc_id, "created_at": moment(rng, ctx.start, ctx.end)})
    insert_rows(session, Bookmark.__table__, rows)
    return {"bookmarks": len(rows)}
