"""Study in the data sets: the point rules, monthly topics, a question bank, quizzes, their attempts and
the ledger they earned.

The province's year (``seed_study_activity``) is drawn member by member in Python and written in
chunks with the driver's own bulk path (COPY on PostgreSQL, executemany on SQLite), every id assigned
here: ~500,000 attempts, their ~5,000,000 answers and the ledger rows of the attempts and of the topics
studied. The ledger follows the engine's rules: an attempt earns ``round(points × right / questions)``;
a "best" quiz pays only what improves on the member's best earlier attempt, a "first" quiz only the
first attempt; one member's attempts (and topics studied) fall on different days of Vietnam's calendar,
so no daily cap is ever reached and every attempt's ``points_awarded`` is its ledger entry.

Study's seeders run before content's (the domains' order), so the topics' documents are linked by
``seed_topic_documents``, which is registered to run after content has seeded its documents.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from handbook.bulk import insert_rows
from handbook.clock import LOCAL_OFFSET, utcnow
from handbook.organizations.models import Member, Organization
from handbook.richtext import sanitize_html
from handbook.seed.vocabulary import vocabulary
from handbook.study.models import (POINT_SOURCES, LeaderboardSetting, PointRule, Quiz, QuizAttempt, QuizCategory,
                                   QuizQuestion, StudyTopic, quiz_category_link, topic_document)
from handbook.study.operations import DEFAULT_DAILY_CAPS, IN_PARTY, daily_cap

NOTES = {
    "read": "Mỗi tài liệu, tin tức chỉ tính điểm một lần; tối đa mỗi ngày để tránh bấm đọc lấy điểm.",
    "quiz": "Điểm theo kết quả bài thi; tối đa mỗi ngày.",
    "meeting": "Dự sinh hoạt chi bộ: không giới hạn theo ngày.",
    "topic": "Học chuyên đề hằng tháng: mỗi chuyên đề chỉ tính điểm một lần.",
    "manual": "Cấp ủy cộng điểm có ghi lý do: không giới hạn theo ngày.",
    "correction": "Điều chỉnh một mục đã cộng (trừ lại điểm), có ghi lý do.",
}


def seed_point_rules(session, _ctx=None) -> int:
    """Write the daily caps in force (``DEFAULT_DAILY_CAPS``) as rules the admin sees and may change."""
    present = set(session.execute(select(PointRule.source)).scalars())
    now = utcnow()
    rows = [{"source": source, "daily_cap": DEFAULT_DAILY_CAPS.get(source), "note": NOTES.get(source), "updated_at": now}
            for source in POINT_SOURCES if source not in present]
    if rows:
        session.execute(insert(PointRule), rows)
    return len(rows)


# -- what the data says ----------------------------------------------------------------------------
# The province's monthly topics, January to December: the year's themes of studying and following
# Hồ Chí Minh's thought, ethics and style (Chỉ thị 05-CT/TW), each with the paragraphs a branch reads.
MONTHLY_THEMES = [
    ("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về xây dựng Đảng trong sạch, vững mạnh",
     "Mừng Đảng, mừng Xuân: ôn lại truyền thống vẻ vang của Đảng và lời dạy của Bác về công tác xây dựng Đảng."),
    ("Tư tưởng Hồ Chí Minh về cần, kiệm, liêm, chính, chí công vô tư",
     "Những phẩm chất đạo đức cách mạng Bác Hồ yêu cầu mỗi cán bộ, đảng viên rèn luyện suốt đời."),
    ("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về tinh thần đoàn kết",
     "Đoàn kết trong Đảng là cơ sở để xây dựng khối đại đoàn kết toàn dân tộc."),
    ("Phong cách làm việc dân chủ, khoa học, cụ thể của Chủ tịch Hồ Chí Minh",
     "Nói đi đôi với làm, sâu sát cơ sở, lắng nghe ý kiến của nhân dân."),
    ("Tư tưởng Hồ Chí Minh về trách nhiệm nêu gương của cán bộ, đảng viên",
     "Một tấm gương sống còn có giá trị hơn một trăm bài diễn văn tuyên truyền."),
    ("Học tập và làm theo Bác về ý thức tôn trọng nhân dân, phát huy dân chủ",
     "Dễ trăm lần không dân cũng chịu, khó vạn lần dân liệu cũng xong."),
    ("Tư tưởng Hồ Chí Minh về đấu tranh phòng, chống chủ nghĩa cá nhân",
     "Chủ nghĩa cá nhân là kẻ thù nguy hiểm, là mẹ đẻ ra nhiều căn bệnh của cán bộ, đảng viên."),
    ("Học tập và làm theo Bác về tinh thần tự học, tự rèn luyện",
     "Học hỏi là một việc phải tiếp tục suốt đời; đảng viên gương mẫu trong học tập nghị quyết."),
    ("Tư tưởng Hồ Chí Minh về độc lập dân tộc gắn liền với chủ nghĩa xã hội",
     "Kỷ niệm Cách mạng Tháng Tám và Quốc khánh 2/9: giá trị của độc lập, tự do."),
    ("Học tập và làm theo Bác về thực hành tiết kiệm, chống lãng phí",
     "Tiết kiệm thời gian, công sức, của cải của nhân dân và của Nhà nước."),
    ("Tư tưởng Hồ Chí Minh về công tác cán bộ",
     "Cán bộ là cái gốc của mọi công việc; huấn luyện cán bộ là công việc gốc của Đảng."),
    ("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh: kết quả một năm và nhiệm vụ năm tới",
     "Tổng kết việc học tập và làm theo Bác trong năm, biểu dương những tấm gương điển hình."),
]
TOPIC_PARAGRAPHS = [
    "Chủ tịch Hồ Chí Minh luôn coi đạo đức là gốc của người cách mạng. Người dạy: người cách mạng phải có đạo đức, "
    "không có đạo đức thì dù tài giỏi mấy cũng không lãnh đạo được nhân dân.",
    "Mỗi cán bộ, đảng viên liên hệ bản thân, xác định việc làm cụ thể để làm theo Bác trong công việc hằng ngày, "
    "tại chi bộ và nơi cư trú.",
    "Chi bộ thảo luận chuyên đề trong buổi sinh hoạt thường kỳ, đưa nội dung làm theo Bác vào nghị quyết của chi bộ "
    "và kiểm điểm việc thực hiện cuối năm.",
    "Các tổ chức đảng gắn việc học tập chuyên đề với thực hiện Quy định về trách nhiệm nêu gương và Chuẩn mực đạo đức "
    "cách mạng của cán bộ, đảng viên giai đoạn mới.",
]
COMMITTEE_TOPICS = [
    "Làm theo Bác trong phát triển kinh tế nông nghiệp và xây dựng nông thôn mới tại {org}",
    "Nâng cao chất lượng sinh hoạt chi bộ theo Chỉ thị 50-CT/TW tại {org}",
    "Gương người tốt, việc tốt học tập và làm theo Bác ở {org}",
]

# The question bank: per category, facts (question, right answers, wrong answers, explanation).
FACTS: dict[str, list[tuple[str, list[str], list[str], str]]] = {
    "Điều lệ Đảng": [
        ("Người được kết nạp vào Đảng phải đủ bao nhiêu tuổi đời?", ["Từ đủ 18 tuổi trở lên"],
         ["Từ đủ 16 tuổi trở lên", "Từ đủ 20 tuổi trở lên", "Từ đủ 21 tuổi trở lên"],
         "Điều 1 Điều lệ Đảng: công dân Việt Nam từ mười tám tuổi trở lên có thể được xét kết nạp."),
        ("Thời gian dự bị của đảng viên là bao lâu?", ["Mười hai tháng"], ["Sáu tháng", "Mười tám tháng", "Hai mươi bốn tháng"],
         "Điều 5 Điều lệ Đảng: người được kết nạp vào Đảng phải trải qua thời kỳ dự bị mười hai tháng."),
        ("Nguyên tắc tổ chức cơ bản của Đảng là gì?", ["Tập trung dân chủ"],
         ["Tập thể lãnh đạo", "Cá nhân phụ trách", "Thiểu số phục tùng đa số"],
         "Điều 9 Điều lệ Đảng: Đảng tổ chức theo nguyên tắc tập trung dân chủ."),
        ("Chi bộ có ít nhất bao nhiêu đảng viên chính thức?", ["Ba đảng viên chính thức"],
         ["Hai đảng viên chính thức", "Năm đảng viên chính thức", "Bảy đảng viên chính thức"],
         "Điều 21 Điều lệ Đảng: tổ chức cơ sở đảng có ba đảng viên chính thức trở lên."),
        ("Chi bộ sinh hoạt thường kỳ bao lâu một lần?", ["Mỗi tháng một lần"],
         ["Mỗi quý một lần", "Sáu tháng một lần", "Mỗi tuần một lần"],
         "Điều 24 Điều lệ Đảng: chi bộ, chi ủy họp thường lệ mỗi tháng một lần."),
        ("Những hình thức nào sau đây là hình thức kỷ luật đảng viên chính thức?", ["Khiển trách", "Cảnh cáo"],
         ["Đình chỉ sinh hoạt đảng", "Hạ bậc lương", "Phê bình trước chi bộ"],
         "Điều 35 Điều lệ Đảng: đảng viên chính thức bị kỷ luật bằng khiển trách, cảnh cáo, cách chức, khai trừ."),
        ("Những việc nào sau đây là nhiệm vụ của đảng viên?", ["Chấp hành nghị quyết của Đảng", "Đóng đảng phí đúng quy định"],
         ["Tự chọn chi bộ để sinh hoạt", "Bầu cử không qua chi bộ", "Không cần báo cáo với chi bộ"],
         "Điều 2 Điều lệ Đảng quy định bốn nhiệm vụ của đảng viên."),
    ],
    "Lịch sử Đảng": [
        ("Đảng Cộng sản Việt Nam được thành lập ngày nào?", ["Ngày 3 tháng 2 năm 1930"],
         ["Ngày 19 tháng 5 năm 1930", "Ngày 2 tháng 9 năm 1945", "Ngày 6 tháng 1 năm 1930"],
         "Hội nghị hợp nhất các tổ chức cộng sản, do Nguyễn Ái Quốc chủ trì, thành lập Đảng ngày 3/2/1930."),
        ("Ai chủ trì Hội nghị thành lập Đảng năm 1930?", ["Lãnh tụ Nguyễn Ái Quốc"], ["Trần Phú", "Lê Hồng Phong", "Hà Huy Tập"],
         "Nguyễn Ái Quốc, đại diện Quốc tế Cộng sản, chủ trì Hội nghị tại Hương Cảng (Trung Quốc)."),
        ("Tổng Bí thư đầu tiên của Đảng là ai?", ["Đồng chí Trần Phú"], ["Đồng chí Lê Hồng Phong", "Đồng chí Hà Huy Tập", "Đồng chí Nguyễn Văn Cừ"],
         "Hội nghị Trung ương lần thứ nhất (10/1930) bầu đồng chí Trần Phú làm Tổng Bí thư."),
        ("Đại hội nào của Đảng khởi xướng đường lối đổi mới toàn diện đất nước?", ["Đại hội VI (1986)"],
         ["Đại hội V (1982)", "Đại hội VII (1991)", "Đại hội IV (1976)"],
         "Đại hội đại biểu toàn quốc lần thứ VI (12/1986) đề ra đường lối đổi mới toàn diện."),
        ("Đại hội nào quyết định đổi tên Đảng thành Đảng Lao động Việt Nam?", ["Đại hội II (1951)"],
         ["Đại hội I (1935)", "Đại hội III (1960)", "Đại hội IV (1976)"],
         "Đại hội II họp tháng 2/1951 tại Chiêm Hóa, Tuyên Quang, đưa Đảng ra hoạt động công khai."),
        ("Những sự kiện nào sau đây diễn ra năm 1945?", ["Cách mạng Tháng Tám thành công", "Bác Hồ đọc Tuyên ngôn độc lập"],
         ["Chiến thắng Điện Biên Phủ", "Thành lập Đảng", "Giải phóng miền Nam"],
         "Tháng 8/1945 Tổng khởi nghĩa giành chính quyền; ngày 2/9/1945 Bác đọc Tuyên ngôn độc lập."),
    ],
    "Tư tưởng Hồ Chí Minh": [
        ("Theo Chủ tịch Hồ Chí Minh, những đức tính nào là nền tảng đạo đức của người cách mạng?",
         ["Cần, kiệm, liêm, chính, chí công vô tư"], ["Nhân, nghĩa, lễ, trí, tín", "Trung, hiếu, tiết, nghĩa", "Dũng cảm, mưu trí, sáng tạo"],
         "Bác nhiều lần dạy cán bộ, đảng viên phải thực hành cần, kiệm, liêm, chính, chí công vô tư."),
        ("Câu \"Vì lợi ích mười năm thì phải trồng cây, vì lợi ích trăm năm thì phải trồng người\" là của ai?",
         ["Chủ tịch Hồ Chí Minh"], ["Nguyễn Trãi", "Lê Quý Đôn", "Chu Văn An"],
         "Bác nói câu này năm 1958, khi nói chuyện tại lớp học chính trị của giáo viên."),
        ("Tác phẩm \"Sửa đổi lối làm việc\" được Bác viết năm nào?", ["Năm 1947"], ["Năm 1927", "Năm 1954", "Năm 1969"],
         "\"Sửa đổi lối làm việc\" (bút danh X.Y.Z) viết tháng 10/1947."),
        ("Bác Hồ bắt đầu viết Di chúc vào năm nào?", ["Năm 1965"], ["Năm 1960", "Năm 1968", "Năm 1969"],
         "Bác bắt đầu viết Di chúc ngày 10/5/1965 và bổ sung đến năm 1969."),
        ("Theo Bác, \"Không có gì quý hơn...\" điều gì?", ["Độc lập, tự do"], ["Hòa bình, hữu nghị", "Ấm no, hạnh phúc", "Đoàn kết, thống nhất"],
         "Lời kêu gọi ngày 17/7/1966: Không có gì quý hơn độc lập, tự do."),
        ("Những câu nào sau đây là lời dạy của Bác về đoàn kết?",
         ["Đoàn kết, đoàn kết, đại đoàn kết", "Thành công, thành công, đại thành công"],
         ["Dĩ bất biến, ứng vạn biến", "Học, học nữa, học mãi", "Trung với nước, hiếu với dân"],
         "Bác nói tại Đại hội thống nhất Việt Minh - Liên Việt năm 1951."),
    ],
    "Nghị quyết Đại hội XIII": [
        ("Đại hội đại biểu toàn quốc lần thứ XIII của Đảng họp năm nào?", ["Năm 2021"], ["Năm 2016", "Năm 2020", "Năm 2026"],
         "Đại hội XIII họp từ ngày 25/1 đến 1/2/2021 tại Hà Nội."),
        ("Theo Nghị quyết Đại hội XIII, đến năm 2045 Việt Nam phấn đấu trở thành nước thế nào?",
         ["Nước phát triển, thu nhập cao"], ["Nước công nghiệp theo hướng hiện đại", "Nước đang phát triển, thu nhập trung bình cao",
                                             "Nước có thu nhập trung bình thấp"],
         "Tầm nhìn đến năm 2045, kỷ niệm 100 năm thành lập nước."),
        ("Nghị quyết Đại hội XIII xác định bao nhiêu đột phá chiến lược?", ["Ba đột phá chiến lược"],
         ["Hai đột phá chiến lược", "Bốn đột phá chiến lược", "Sáu đột phá chiến lược"],
         "Ba đột phá: thể chế phát triển, nguồn nhân lực, hệ thống kết cấu hạ tầng."),
        ("Những nội dung nào sau đây là đột phá chiến lược của Đại hội XIII?", ["Hoàn thiện thể chế phát triển", "Phát triển nguồn nhân lực"],
         ["Tăng dân số cơ học", "Giảm đầu tư công", "Mở rộng địa giới hành chính"],
         "Đại hội XIII xác định ba đột phá chiến lược, trong đó có thể chế và nguồn nhân lực."),
        ("Nghị quyết Đại hội XIII nêu bao nhiêu nhiệm vụ trọng tâm của nhiệm kỳ?", ["Sáu nhiệm vụ trọng tâm"],
         ["Ba nhiệm vụ trọng tâm", "Năm nhiệm vụ trọng tâm", "Mười nhiệm vụ trọng tâm"],
         "Văn kiện Đại hội XIII nêu sáu nhiệm vụ trọng tâm và ba đột phá chiến lược."),
    ],
    "Quy định 366-QĐ/TW": [
        ("Quy định 366-QĐ/TW quy định về vấn đề gì?",
         ["Kiểm điểm, đánh giá, xếp loại chất lượng đối với tập thể, cá nhân trong hệ thống chính trị"],
         ["Kỷ luật tổ chức đảng, đảng viên vi phạm", "Chuẩn mực đạo đức cách mạng", "Thu, nộp đảng phí"],
         "Quy định 366-QĐ/TW năm 2025 về kiểm điểm, đánh giá, xếp loại chất lượng."),
        ("Đảng viên được xếp loại chất lượng theo mấy mức?", ["Bốn mức"], ["Ba mức", "Năm mức", "Hai mức"],
         "Bốn mức: hoàn thành xuất sắc, hoàn thành tốt, hoàn thành nhiệm vụ, không hoàn thành nhiệm vụ."),
        ("Những mức nào sau đây là mức xếp loại chất lượng đảng viên?", ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"],
         ["Khá", "Trung bình", "Giỏi"],
         "Các mức xếp loại: hoàn thành xuất sắc, hoàn thành tốt, hoàn thành, không hoàn thành nhiệm vụ."),
        ("Việc kiểm điểm, đánh giá, xếp loại đảng viên hằng năm được tiến hành vào thời gian nào?", ["Cuối năm, thường vào tháng 12"],
         ["Đầu năm, vào tháng 1", "Giữa năm, vào tháng 6", "Bất kỳ lúc nào trong năm"],
         "Việc kiểm điểm, xếp loại hằng năm tiến hành vào cuối năm."),
        ("Ai tự kiểm điểm, tự đánh giá trước khi chi bộ đánh giá, xếp loại?", ["Từng đảng viên"],
         ["Bí thư chi bộ", "Cấp ủy cấp trên", "Ủy ban kiểm tra"],
         "Mỗi đảng viên tự kiểm điểm, tự nhận mức xếp loại; chi bộ thảo luận, đề xuất."),
    ],
    "Công tác xây dựng Đảng": [
        ("Chi bộ sinh hoạt chuyên đề ít nhất bao lâu một lần?", ["Mỗi quý một lần"], ["Mỗi tháng một lần", "Mỗi năm một lần", "Sáu tháng một lần"],
         "Hướng dẫn của Ban Tổ chức Trung ương: sinh hoạt chuyên đề ít nhất mỗi quý một lần."),
        ("Nghị quyết Trung ương 4 khóa XII chỉ ra bao nhiêu biểu hiện suy thoái?", ["27 biểu hiện"], ["19 biểu hiện", "30 biểu hiện", "12 biểu hiện"],
         "Nghị quyết Trung ương 4 khóa XII nêu 27 biểu hiện suy thoái, \"tự diễn biến\", \"tự chuyển hóa\"."),
        ("Đảng viên đóng đảng phí theo kỳ hạn nào?", ["Hằng tháng"], ["Hằng quý", "Hằng năm", "Khi chi bộ yêu cầu"],
         "Đảng viên có nhiệm vụ đóng đảng phí hằng tháng theo quy định."),
        ("Những việc nào sau đây thuộc công tác phát triển đảng viên?", ["Bồi dưỡng quần chúng ưu tú", "Xem xét kết nạp người đủ tiêu chuẩn"],
         ["Xếp loại tổ chức đảng", "Thu đảng phí", "Tổ chức đại hội"],
         "Phát triển đảng viên gồm tạo nguồn, bồi dưỡng, xem xét kết nạp quần chúng ưu tú."),
        ("Văn bản nào quy định trách nhiệm nêu gương của cán bộ, đảng viên?", ["Các quy định của Trung ương về trách nhiệm nêu gương"],
         ["Luật Cán bộ, công chức", "Điều lệ Công đoàn", "Luật Thi đua, khen thưởng"],
         "Trung ương ban hành các quy định về trách nhiệm nêu gương, trước hết là của người đứng đầu."),
    ],
    "Chuẩn mực đạo đức cách mạng": [
        ("Quy định 144-QĐ/TW năm 2024 quy định về vấn đề gì?", ["Chuẩn mực đạo đức cách mạng của cán bộ, đảng viên giai đoạn mới"],
         ["Kỷ luật đảng viên vi phạm", "Sinh hoạt chi bộ", "Thu, chi đảng phí"],
         "Quy định 144-QĐ/TW ngày 9/5/2024 của Bộ Chính trị."),
        ("Chuẩn mực đạo đức cách mạng đòi hỏi người đảng viên trước hết phải thế nào?", ["Trung thành với Đảng, với Tổ quốc và nhân dân"],
         ["Giàu có về vật chất", "Có học hàm, học vị cao", "Giữ chức vụ lãnh đạo"],
         "Trung thành, tận tụy phục vụ nhân dân là chuẩn mực hàng đầu."),
        ("Những phẩm chất nào sau đây thuộc chuẩn mực đạo đức cách mạng?", ["Cần, kiệm, liêm, chính", "Chí công vô tư"],
         ["Cục bộ, bè phái", "Xa rời quần chúng", "Né tránh trách nhiệm"],
         "Chuẩn mực gồm trung thành, cần kiệm liêm chính, chí công vô tư, đoàn kết, gương mẫu."),
        ("Theo chuẩn mực đạo đức, đảng viên ở nơi cư trú cần làm gì?", ["Gương mẫu, gần gũi và giúp đỡ nhân dân"],
         ["Chỉ sinh hoạt ở nơi làm việc", "Không tham gia sinh hoạt nơi cư trú", "Chỉ tham gia khi được mời"],
         "Đảng viên giữ mối liên hệ với chi ủy, nhân dân nơi cư trú."),
    ],
    "Kỷ luật đảng": [
        ("Quy định 69-QĐ/TW năm 2022 quy định về nội dung gì?", ["Kỷ luật tổ chức đảng, đảng viên vi phạm"],
         ["Kiểm điểm, xếp loại chất lượng", "Chuẩn mực đạo đức cách mạng", "Sinh hoạt chi bộ"],
         "Quy định 69-QĐ/TW ngày 6/7/2022 của Bộ Chính trị."),
        ("Hình thức kỷ luật cao nhất đối với đảng viên là gì?", ["Khai trừ"], ["Cách chức", "Cảnh cáo", "Khiển trách"],
         "Các hình thức kỷ luật đảng viên chính thức, từ thấp đến cao: khiển trách, cảnh cáo, cách chức, khai trừ."),
        ("Đảng viên dự bị vi phạm có thể bị kỷ luật bằng những hình thức nào?", ["Khiển trách", "Cảnh cáo"],
         ["Cách chức", "Hạ bậc lương", "Buộc thôi việc"],
         "Đảng viên dự bị vi phạm bị kỷ luật khiển trách hoặc cảnh cáo."),
        ("Cơ quan nào giúp cấp ủy trong công tác kiểm tra, giám sát và kỷ luật đảng?", ["Ủy ban kiểm tra các cấp"],
         ["Ban Tuyên giáo", "Văn phòng cấp ủy", "Ban Dân vận"],
         "Ủy ban kiểm tra do cấp ủy cùng cấp bầu, giúp cấp ủy kiểm tra, giám sát, thi hành kỷ luật."),
    ],
    "Sinh hoạt chi bộ": [
        ("Chỉ thị 50-CT/TW năm 2025 về nội dung gì?", ["Tiếp tục đổi mới và nâng cao chất lượng sinh hoạt chi bộ"],
         ["Kỷ luật đảng viên", "Phát triển kinh tế tư nhân", "Chuyển đổi số quốc gia"],
         "Chỉ thị 50-CT/TW của Ban Bí thư năm 2025."),
        ("Ai chủ trì buổi sinh hoạt chi bộ?", ["Bí thư chi bộ (hoặc phó bí thư khi được phân công)"],
         ["Đảng viên lớn tuổi nhất", "Đại diện cấp ủy cấp trên", "Đảng viên mới kết nạp"],
         "Bí thư chi bộ chủ trì; vắng thì phó bí thư hoặc chi ủy viên được phân công."),
        ("Nội dung sinh hoạt chi bộ thường kỳ gồm những gì?", ["Đánh giá việc thực hiện nghị quyết tháng trước", "Đề ra nhiệm vụ tháng tới"],
         ["Chấm điểm thi đua cá nhân", "Bầu lại chi ủy", "Xếp loại cuối năm"],
         "Sinh hoạt thường kỳ kiểm điểm việc thực hiện nhiệm vụ và đề ra nhiệm vụ tháng tới."),
        ("Biên bản sinh hoạt chi bộ cần ghi những gì?", ["Diễn biến và kết luận của buổi sinh hoạt"],
         ["Chỉ danh sách người dự", "Chỉ ý kiến của bí thư", "Không cần lập biên bản"],
         "Biên bản ghi đầy đủ diễn biến, ý kiến phát biểu và kết luận."),
    ],
    "Chuyển đổi số và Sổ tay đảng viên": [
        ("Quy định 339-QĐ/TW năm 2025 quy định về việc gì?", ["Ứng dụng Sổ tay đảng viên điện tử trong toàn Đảng"],
         ["Kỷ luật đảng viên", "Sinh hoạt chi bộ", "Đánh giá cán bộ"],
         "Quy định 339-QĐ/TW về ứng dụng Sổ tay đảng viên điện tử."),
        ("Nghị quyết 57-NQ/TW năm 2024 của Bộ Chính trị về lĩnh vực nào?", ["Đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia"],
         ["Bảo vệ nền tảng tư tưởng của Đảng", "Xây dựng nông thôn mới", "Công tác dân vận"],
         "Nghị quyết 57-NQ/TW ngày 22/12/2024."),
        ("Những việc nào đảng viên có thể làm trên Sổ tay đảng viên điện tử?", ["Đọc tài liệu, nghị quyết", "Làm bài thi trắc nghiệm"],
         ["Tự sửa quyết định kỷ luật", "Tự kết nạp đảng viên mới", "Tự xếp loại chi bộ"],
         "Sổ tay giúp đảng viên học tập, nhận thông báo, theo dõi điểm tích lũy."),
        ("Đảng viên cần làm gì để bảo vệ tài khoản Sổ tay đảng viên?", ["Giữ bí mật mật khẩu, không cho người khác dùng"],
         ["Dùng chung mật khẩu với chi bộ", "Ghi mật khẩu lên điện thoại", "Gửi mật khẩu qua tin nhắn"],
         "Mỗi đảng viên tự bảo vệ tài khoản của mình."),
    ],
}
# The documents of vi_seed.json each category also asks about (by number).
CATEGORY_DOCUMENTS = {
    "Điều lệ Đảng": ["69-QĐ/TW", "42-HD/BTCTW"], "Lịch sử Đảng": ["21-KL/TW", "35-NQ/TW"],
    "Tư tưởng Hồ Chí Minh": ["05-CT/TW", "144-QĐ/TW"], "Nghị quyết Đại hội XIII": ["57-NQ/TW", "21-KL/TW"],
    "Quy định 366-QĐ/TW": ["366-QĐ/TW", "69-QĐ/TW"], "Công tác xây dựng Đảng": ["35-NQ/TW", "50-CT/TW"],
    "Chuẩn mực đạo đức cách mạng": ["144-QĐ/TW", "05-CT/TW"], "Kỷ luật đảng": ["69-QĐ/TW", "366-QĐ/TW"],
    "Sinh hoạt chi bộ": ["50-CT/TW", "42-HD/BTCTW"], "Chuyển đổi số và Sổ tay đảng viên": ["339-QĐ/TW", "57-NQ/TW"],
}
# Ways a question is put, so that a category's sixty questions do not all read alike.
OPENINGS = ["{q}", "Đồng chí hãy cho biết: {l}", "Theo đồng chí, {l}", "Câu hỏi ôn tập: {q}", "Hãy chọn đáp án đúng. {q}",
            "Trong tài liệu học tập, {l}"]
PERMUTATIONS = {n: list(itertools.permutations(range(n))) for n in range(2, 7)}


def _as_datetime(value) -> datetime:
    """A date or datetime as a naive datetime."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(0, 0))


def _local_midnight(day: date) -> datetime:
    """The UTC instant a day of Vietnam's calendar begins."""
    return datetime(day.year, day.month, day.day) - LOCAL_OFFSET


def _month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _lower_first(text_: str) -> str:
    """``text_`` with its first letter in lower case, to follow an opening inside a sentence."""
    return text_[:1].lower() + text_[1:]


def _next_id(session, model) -> int:
    """The first id free after the table's rows."""
    return session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one() + 1


# -- the writer ---------------------------------------------------------------------------------
class _Writer:
    """Writes rows (tuples in ``columns`` order) by the driver's bulk path: COPY on PostgreSQL, the
    DB-API executemany on SQLite, in the session's transaction; dates go as SQLAlchemy stores them."""

    def __init__(self, session):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def stamp(self, value: datetime | None):
        """A datetime as the driver takes it: itself for PostgreSQL, SQLAlchemy's text for SQLite."""
        if value is None or self.postgres:
            return value
        return value.isoformat(" ", "microseconds")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> int:
        """Insert ``rows`` into ``table``; return how many."""
        if not rows:
            return 0
        raw = self.session.connection().connection.driver_connection
        names = ", ".join(columns)
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        return len(rows)


ATTEMPT_COLUMNS = ("id", "quiz_id", "member_id", "organization_id", "number", "status", "started_at", "deadline",
                   "submitted_at", "layout", "answers", "correct_count", "question_count", "score", "passed",
                   "points_awarded")
ANSWER_COLUMNS = ("attempt_id", "question_id", "correct")
ENTRY_COLUMNS = ("member_id", "source", "reference", "points", "created_at")
READ_COLUMNS = ("member_id", "topic_id", "read_at")


# -- the bank ----------------------------------------------------------------------------------
def _document_facts(documents: list[dict], number: str) -> list[tuple[str, list[str], list[str], str]]:
    """Questions on one real document of vi_seed.json: what it is about, its number, its year."""
    doc = next((d for d in documents if d["number"] == number), None)
    if doc is None:
        return []
    others = [d for d in documents if d is not doc]
    label = f"{doc['type']} số {doc['number']}"
    return [
        (f"{label} có nội dung về vấn đề gì?", [doc["title"]], [d["title"] for d in others],
         f"{label} năm {doc['year']}: {doc['title']}."),
        (f"Văn bản nào của Đảng có trích yếu \"{doc['title']}\"?", [label],
         [f"{d['type']} số {d['number']}" for d in others], f"Đó là {label}, ban hành năm {doc['year']}."),
        (f"{label} được ban hành năm nào?", [f"Năm {doc['year']}"],
         [f"Năm {doc['year'] + k}" for k in (-3, -2, -1, 1, 2) if doc["year"] + k <= 2025],
         f"{label} ban hành năm {doc['year']}."),
    ]


def bank_rows(rng: random.Random, org_id: int, first_category: int, first_question: int, now: datetime,
              categories: int = 10, per_category: int = 60) -> tuple[list[dict], list[dict]]:
    """The question bank of ``org_id``: categories and their questions (4 options; a category's facts
    with two right answers are "multiple"), each put in one of several ways, with its explanation."""
    documents = vocabulary()["documents"]
    category_rows, question_rows = [], []
    qid = first_question
    for c, name in enumerate(list(FACTS)[:categories]):
        cid = first_category + c
        category_rows.append({"id": cid, "name": name, "organization_id": org_id, "created_at": now})
        facts = list(FACTS[name])
        for number in CATEGORY_DOCUMENTS.get(name, ()):
            facts += _document_facts(documents, number)
        for n in range(per_category):
            stem, right, wrong, explanation = facts[n % len(facts)]
            opening = OPENINGS[(n // len(facts)) % len(OPENINGS)]
            options = [{"text": t, "correct": True} for t in right]
            options += [{"text": t, "correct": False} for t in rng.sample(wrong, min(len(wrong), 4 - len(right)))]
            rng.shuffle(options)
            question_rows.append({
                "id": qid, "category_id": cid, "text": opening.format(q=stem, l=_lower_first(stem)),
                "kind": "multiple" if len(right) > 1 else "single", "options": options, "explanation": explanation,
                "active": True, "created_at": now, "updated_at": now,
            })
            qid += 1
    return category_rows, question_rows


# -- attempts ---------------------------------------------------------------------------------
@dataclass
class _QuizPlan:
    """What drawing attempts needs to know of one quiz."""

    id: int
    path: str  # the publishing organization's path: its audience is the branches below it
    opens_at: datetime
    closes_at: datetime
    question_count: int
    attempts_allowed: int
    counting: str
    pass_mark: int
    points: int
    time_limit_minutes: int
    pool: list[int] = field(default_factory=list)  # the question ids it draws from


@dataclass
class _Question:
    """What scoring needs to know of one question: its options' count and the right ones, its difficulty."""

    count: int
    right: frozenset
    difficulty: float


def _shown(question: _Question, order: tuple[int, ...], cache: dict) -> tuple[list[int], list[int]]:
    """The shown positions of the right and of the wrong options, for a question shown in ``order``."""
    key = (question.right, order)
    found = cache.get(key)
    if found is None:
        right = [pos for pos, bank in enumerate(order) if bank in question.right]
        wrong = [pos for pos, bank in enumerate(order) if bank not in question.right]
        found = cache[key] = (right, wrong)
    return found


def _day_moment(rng: random.Random, low: datetime, high: datetime, used: set) -> datetime | None:
    """A moment in [low, high) on a day (Vietnam's) not in ``used``, in waking hours; None if none found."""
    if high <= low:
        return None
    first = (low + LOCAL_OFFSET).date()
    days = (high + LOCAL_OFFSET).date().toordinal() - first.toordinal() + 1
    for _ in range(8):
        day = date.fromordinal(first.toordinal() + int(rng.random() * days))
        if day in used:
            continue
        moment = _local_midnight(day) + timedelta(seconds=int((6 + rng.random() * 16) * 3600))
        if low <= moment < high:
            return moment
    return None


def attempt_chunks(writer: _Writer, rng: random.Random, quizzes: list[_QuizPlan], questions: dict[int, _Question],
                   members: list[tuple[int, int, str]], first_id: int, until: datetime, per_member: float,
                   chunk: int = 20_000):
    """Draw the attempts of ``members`` ((member id, branch id, branch path), each taking the quizzes
    whose audience holds their branch) and yield them in chunks as row tuples: (attempts, answers,
    ledger entries). About ``per_member`` attempts each, every one submitted before ``until`` and inside
    its quiz's window, on a day of its own for the member."""
    audiences = {q.id: sum(1 for _m, _b, path in members if path.startswith(q.path)) for q in quizzes}
    slots = sum(audiences[q.id] * (1.35 if q.attempts_allowed > 1 else 1.0) for q in quizzes)
    scale = per_member * len(members) / slots if slots else 0.0
    order_cache: dict = {}
    stamp = writer.stamp
    attempts, answers, entries = [], [], []
    next_id = first_id
    for member_id, branch_id, path in members:
        mine = [q for q in quizzes if path.startswith(q.path)]
        activity = rng.choice((0.2, 0.5, 0.8, 1.0, 1.2, 1.5, 1.8))
        ability = 0.45 + rng.random() * 0.5
        used: set = set()
        for quiz in mine:
            if rng.random() >= min(0.97, scale * activity):
                continue
            tries = 2 if quiz.attempts_allowed > 1 and rng.random() < 0.35 else 1
            window_end = min(quiz.closes_at, until) - timedelta(minutes=quiz.time_limit_minutes + 1)
            low, best = quiz.opens_at, 0
            for number in range(1, min(tries, quiz.attempts_allowed) + 1):
                started = _day_moment(rng, low, window_end, used)
                if started is None:
                    break
                used.add((started + LOCAL_OFFSET).date())
                deadline = started + timedelta(minutes=quiz.time_limit_minutes)
                expired = rng.random() < 0.02
                submitted = deadline if expired else started + timedelta(
                    seconds=int(60 + rng.random() * (quiz.time_limit_minutes * 60 - 90)))
                drawn = rng.sample(quiz.pool, quiz.question_count)
                layout, chosen, right_count = [], {}, 0
                answered = quiz.question_count - (rng.randint(1, 4) if expired else 0)
                skill = ability + (0.08 if number > 1 else 0.0)
                for position, qid in enumerate(drawn):
                    question = questions[qid]
                    order = rng.choice(PERMUTATIONS[question.count])
                    layout.append([qid, list(order)])
                    if position >= answered:
                        answers.append((next_id, qid, False))
                        continue
                    right, wrong = _shown(question, order, order_cache)
                    correct = rng.random() < skill - question.difficulty
                    if correct:
                        picked = right
                    elif len(right) > 1 and rng.random() < 0.5:
                        picked = right[:1]  # one right option of two: not the answer
                    else:
                        picked = [rng.choice(wrong)]
                    chosen[str(position)] = picked
                    right_count += correct
                    answers.append((next_id, qid, correct))
                points = round(quiz.points * right_count / quiz.question_count)
                if quiz.counting == "best":
                    earned = max(0, points - best)
                    best = max(best, points)
                else:
                    earned = points if number == 1 else 0
                score = round(100 * right_count / quiz.question_count, 2)
                attempts.append((next_id, quiz.id, member_id, branch_id, number, "expired" if expired else "submitted",
                                 stamp(started), stamp(deadline), stamp(submitted),
                                 _compact(layout), _compact(chosen), right_count, quiz.question_count, score,
                                 score >= quiz.pass_mark, earned))
                if earned:
                    entries.append((member_id, "quiz", f"quiz:{quiz.id}:attempt:{next_id}", earned, stamp(submitted)))
                next_id += 1
                low = submitted
        if len(attempts) >= chunk:
            yield attempts, answers, entries
            attempts, answers, entries = [], [], []
    yield attempts, answers, entries


def _compact(value) -> str:
    """JSON without spaces: half a million layouts are stored."""
    import json

    return json.dumps(value, separators=(",", ":"))


def _write_attempts(session, writer: _Writer, chunks) -> dict[str, int]:
    """Write the attempts' chunks; count the rows per table."""
    counts = {"quiz_attempts": 0, "quiz_answers": 0, "quiz_point_entries": 0}
    for attempts, answers, entries in chunks:
        counts["quiz_attempts"] += writer.write("quiz_attempt", ATTEMPT_COLUMNS, attempts)
        counts["quiz_answers"] += writer.write("quiz_answer", ANSWER_COLUMNS, answers)
        counts["quiz_point_entries"] += writer.write("point_entry", ENTRY_COLUMNS, entries)
    return counts


def _topic_reads(writer: _Writer, rng: random.Random, topics: list[tuple[int, str, datetime, datetime, int]],
                 members: list[tuple[int, int, str]], share: float, month_share: float, until: datetime,
                 chunk: int = 50_000):
    """Draw which members studied which topics ((id, publisher path, from, to, points)): about ``share``
    of the members, each the topics of their audience in about ``month_share`` of the months; yield
    chunks of (reads, ledger entries), one topic a day per member."""
    stamp = writer.stamp
    reads, entries = [], []
    for member_id, _branch, path in members:
        if rng.random() >= share:
            continue
        used: set = set()
        for topic_id, topic_path, low, high, points in topics:
            if not path.startswith(topic_path) or rng.random() >= month_share:
                continue
            moment = _day_moment(rng, low, min(high, until), used)
            if moment is None:
                continue
            used.add((moment + LOCAL_OFFSET).date())
            reads.append((member_id, topic_id, stamp(moment)))
            if points:
                entries.append((member_id, "topic", f"topic:{topic_id}", points, stamp(moment)))
        if len(reads) >= chunk:
            yield reads, entries
            reads, entries = [], []
    yield reads, entries


def _write_reads(writer: _Writer, chunks) -> dict[str, int]:
    """Write the topic reads' chunks; count the rows."""
    counts = {"study_topic_reads": 0, "topic_point_entries": 0}
    for reads, entries in chunks:
        counts["study_topic_reads"] += writer.write("study_topic_read", READ_COLUMNS, reads)
        counts["topic_point_entries"] += writer.write("point_entry", ENTRY_COLUMNS, entries)
    return counts


def _takers(session) -> list[tuple[int, int, str]]:
    """The members in the party with an active account, as (member id, branch id, branch path), by id:
    those who take quizzes and study topics."""
    from handbook.auth.models import User

    return [tuple(row) for row in session.execute(
        select(Member.id, Member.organization_id, Organization.path)
        .join(User, User.member_id == Member.id).join(Organization, Organization.id == Member.organization_id)
        .where(User.active.is_(True), Member.status.in_(IN_PARTY)).distinct().order_by(Member.id))]


def _check_caps(session, quizzes: list[_QuizPlan], topic_points: list[int]) -> None:
    """One attempt (one topic) a day per member stays under the daily caps only if one award fits in a cap."""
    quiz_cap, topic_cap = daily_cap(session, "quiz"), daily_cap(session, "topic")
    if quiz_cap is not None and any(q.points > quiz_cap for q in quizzes):
        raise ValueError("a quiz pays more than the daily cap of quiz points")
    if topic_cap is not None and any(p > topic_cap for p in topic_points):
        raise ValueError("a topic pays more than the daily cap of topic points")


def _topic_body(rng: random.Random, lead: str) -> str:
    """A topic's text: its lead and two of the standing paragraphs, as sanitized HTML."""
    paragraphs = [lead, *rng.sample(TOPIC_PARAGRAPHS, 2)]
    return sanitize_html("".join(f"<p>{p}</p>" for p in paragraphs))


def _quiz_row(plan: _QuizPlan, org_id: int, title: str, description: str, topic_id: int | None, now: datetime) -> dict:
    """A quiz's row from its plan."""
    return {
        "id": plan.id, "title": title, "description": description, "organization_id": org_id, "topic_id": topic_id,
        "status": "published", "opens_at": plan.opens_at, "closes_at": plan.closes_at,
        "question_count": plan.question_count, "time_limit_minutes": plan.time_limit_minutes,
        "attempts_allowed": plan.attempts_allowed, "counting": plan.counting, "pass_mark": plan.pass_mark,
        "points": plan.points, "show_review": True, "created_at": now, "updated_at": now,
    }


def _difficulties(rng: random.Random, question_rows: list[dict]) -> dict[int, _Question]:
    """Each question's scoring facts, with a difficulty of its own so some are missed more often."""
    return {row["id"]: _Question(len(row["options"]), frozenset(i for i, o in enumerate(row["options"]) if o["correct"]),
                                 rng.uniform(-0.1, 0.25) + (0.1 if row["kind"] == "multiple" else 0.0))
            for row in question_rows}


def _sqlite_cache(session) -> None:
    """SQLite: a page cache big enough for millions of index inserts (the default 2 MB thrashes)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA cache_size=-262144"))


# -- the province -----------------------------------------------------------------------------
def seed_study_activity(session, ctx, attempts_per_member: float = 6.0, reader_share: float = 0.55,
                        month_share: float = 0.8) -> dict[str, int]:
    """A year of study for the province: twelve monthly topics of the root and a few of committees, a
    bank of ~600 questions, ~50 quizzes (a monthly one of the province, the rest of committees; the last
    still open), ~6 attempts per member with an account (~500,000) with their answers, topics studied
    by about half of them, and the ledger of both; return the rows per table."""
    rng = random.Random(ctx.rng.getrandbits(64))  # the other domains' rows stay as they were
    writer = _Writer(session)
    _sqlite_cache(session)
    start, end = _as_datetime(ctx.start), _as_datetime(ctx.end)
    now = utcnow()
    root_index = min(range(len(ctx.org_ids)), key=lambda i: len(ctx.org_paths[i]))
    root, root_path = ctx.org_ids[root_index], ctx.org_paths[root_index]
    committees = [(oid, path, name) for oid, path, kind, name in zip(ctx.org_ids, ctx.org_paths, ctx.org_kinds, ctx.org_names)
                  if kind == "committee"] or [(root, root_path, ctx.org_names[root_index])]

    # Topics: the twelve months up to the one under way, then a few of committees.
    last_month = _month_start((end - timedelta(seconds=1) + LOCAL_OFFSET).date())
    months = [_add_months(last_month, k) for k in range(-11, 1)]
    topic_id = _next_id(session, StudyTopic)
    topic_rows, topic_spans, month_topic = [], [], {}
    for month in months:
        title, lead = MONTHLY_THEMES[month.month - 1]
        published = min(_local_midnight(month) + timedelta(hours=8), end - timedelta(hours=1))
        points = rng.choice((3, 4, 5))
        topic_rows.append({"id": topic_id, "month": month, "title": title, "summary": lead,
                           "body_html": _topic_body(rng, lead), "organization_id": root, "status": "published",
                           "published_at": published, "points": points, "created_at": published, "updated_at": published})
        topic_spans.append((topic_id, root_path, published, _local_midnight(_add_months(month, 1)), points))
        month_topic[month] = topic_id
        topic_id += 1
    for oid, path, name in rng.sample(committees, min(len(committees), 5)):
        month = rng.choice(months[:-1] or months)
        published = _local_midnight(month) + timedelta(days=rng.randint(2, 9), hours=8)
        points = rng.choice((3, 4))
        title = rng.choice(COMMITTEE_TOPICS).format(org=name)
        topic_rows.append({"id": topic_id, "month": month, "title": title, "summary": f"Chuyên đề của {name}.",
                           "body_html": _topic_body(rng, f"{name} hướng dẫn các chi bộ học tập chuyên đề trong tháng."),
                           "organization_id": oid, "status": "published", "published_at": published, "points": points,
                           "created_at": published, "updated_at": published})
        topic_spans.append((topic_id, path, published, _local_midnight(_add_months(month, 1)), points))
        topic_id += 1
    insert_rows(session, StudyTopic.__table__, topic_rows)
    links = seed_topic_documents(session, rng)

    # The bank, at the root.
    category_rows, question_rows = bank_rows(rng, root, _next_id(session, QuizCategory), _next_id(session, QuizQuestion), now)
    insert_rows(session, QuizCategory.__table__, category_rows)
    insert_rows(session, QuizQuestion.__table__, question_rows)
    questions = _difficulties(rng, question_rows)
    pool_of = {row["id"]: [q["id"] for q in question_rows if q["category_id"] == row["id"]] for row in category_rows}
    names = {row["id"]: row["name"] for row in category_rows}

    # Quizzes: the province's monthly one (the last still open), then the committees'.
    quiz_id = _next_id(session, Quiz)
    plans, quiz_rows, link_rows = [], [], []
    for k, month in enumerate(months):
        opens = _local_midnight(month) + timedelta(days=rng.randint(4, 9), hours=7)
        closes = opens + timedelta(days=rng.choice((14, 21, 28)))
        if k == len(months) - 1:  # the month under way: opened a few days ago, open for two more weeks
            opens = min(opens, end - timedelta(days=3))
            closes = max(closes, now + timedelta(days=14))
        chosen = rng.sample(list(pool_of), 3)
        plan = _QuizPlan(quiz_id, root_path, opens, closes, 10, 2, "best", rng.choice((50, 60, 80)), 10, 15,
                         [q for c in chosen for q in pool_of[c]])
        title, _lead = MONTHLY_THEMES[month.month - 1]
        quiz_rows.append(_quiz_row(plan, root, f"Thi tìm hiểu tháng {month.month:02d}/{month.year}: {title}",
                                   "Bài thi trắc nghiệm hằng tháng của Tỉnh ủy: 10 câu hỏi, 15 phút, được làm 2 lần, "
                                   "tính lần có điểm cao nhất.", month_topic[month], now))
        link_rows += [{"quiz_id": quiz_id, "category_id": c} for c in chosen]
        plans.append(plan)
        quiz_id += 1
    committee_quizzes = 50 - len(plans)
    for n in range(committee_quizzes):
        oid, path, name = committees[n % len(committees)]
        closes_by = end - timedelta(days=1)
        length = timedelta(days=rng.choice((7, 14, 21, 28)))
        opens = _local_midnight((start + (closes_by - length - start) * rng.random() + LOCAL_OFFSET).date()) + timedelta(hours=7)
        chosen = rng.sample(list(pool_of), rng.randint(1, 2))
        attempts_allowed = rng.choice((1, 2, 2))
        plan = _QuizPlan(quiz_id, path, opens, opens + length, 10, attempts_allowed,
                         "first" if attempts_allowed == 1 or rng.random() < 0.3 else "best",
                         rng.choice((50, 60, 80)), rng.choice((5, 10)), rng.choice((10, 15, 20)),
                         [q for c in chosen for q in pool_of[c]])
        quiz_rows.append(_quiz_row(plan, oid, f"{name}: thi trắc nghiệm {names[chosen[0]]} đợt {n // len(committees) + 1}",
                                   f"Bài thi của {name} cho đảng viên các chi bộ trực thuộc.", None, now))
        link_rows += [{"quiz_id": quiz_id, "category_id": c} for c in chosen]
        plans.append(plan)
        quiz_id += 1
    insert_rows(session, Quiz.__table__, quiz_rows)
    insert_rows(session, quiz_category_link, link_rows)
    _check_caps(session, plans, [span[-1] for span in topic_spans])

    settings = _board_settings(rng, ctx, end)
    insert_rows(session, LeaderboardSetting.__table__, settings)

    takers = _takers(session)
    counts = {"leaderboard_settings": len(settings), "study_topics": len(topic_rows), "study_topic_documents": links, "quiz_categories": len(category_rows),
              "quiz_questions": len(question_rows), "quizzes": len(quiz_rows)}
    counts.update(_write_attempts(session, writer, attempt_chunks(
        writer, rng, plans, questions, takers, _next_id(session, QuizAttempt), end, attempts_per_member)))
    counts.update(_write_reads(writer, _topic_reads(writer, rng, topic_spans, takers, reader_share, month_share, end)))
    session.commit()
    return counts


def _board_settings(rng: random.Random, ctx, end: datetime) -> list[dict]:
    """The leaderboards as committees set them: the province's shown, one grassroots organization's hidden
    and one's frozen at the end of a month (most boards follow the province's setting)."""
    root_index = min(range(len(ctx.org_ids)), key=lambda i: len(ctx.org_paths[i]))
    rows = [{"organization_id": ctx.org_ids[root_index], "mode": "shown", "frozen_at": None,
             "note": "Bảng xếp hạng điểm tích lũy hiển thị cho các chi bộ.", "updated_at": _as_datetime(ctx.start)}]
    grassroots = ctx.ids_of_kind("grassroots")
    for org_id, mode in zip(rng.sample(grassroots, min(2, len(grassroots))), ("hidden", "frozen")):
        frozen = _local_midnight(_month_start((end + LOCAL_OFFSET).date())) if mode == "frozen" else None
        note = ("Đảng ủy tạm ẩn bảng xếp hạng trong thời gian kiểm điểm cuối năm." if mode == "hidden"
                else "Giữ bảng xếp hạng đến hết tháng trước để tổng kết thi đua.")
        rows.append({"organization_id": org_id, "mode": mode, "frozen_at": frozen, "note": note, "updated_at": end})
    return rows


def seed_topic_documents(session, ctx_or_rng) -> int:
    """Link every topic that has no document yet to one or two documents its readers may read (the
    publisher's or those of the organizations above it), those on Hồ Chí Minh's thought first; return
    the links made. Registered after content's seeders: study's own run before any document exists."""
    from handbook.content.models import Document

    rng = getattr(ctx_or_rng, "rng", ctx_or_rng)
    rng = random.Random(rng.getrandbits(64))
    linked = select(topic_document.c.topic_id)
    topics = session.execute(select(StudyTopic.id, Organization.path).join(Organization, Organization.id == StudyTopic.organization_id)
                             .where(StudyTopic.id.not_in(linked)).order_by(StudyTopic.id)).all()
    if not topics:
        return 0
    by_org: dict[int, list[tuple[int, bool]]] = {}
    for doc_id, org_id, title in session.execute(select(Document.id, Document.organization_id, Document.title)
                                                 .where(Document.status == "published")):
        by_org.setdefault(org_id, []).append((doc_id, "Hồ Chí Minh" in title or "đạo đức" in title))
    rows = []
    for topic_id, path in topics:
        ids = [int(part) for part in path.strip("/").split("/")]
        candidates = [doc for oid in ids for doc in by_org.get(oid, ())]
        if not candidates:
            continue
        preferred = [doc_id for doc_id, fits in candidates if fits] or [doc_id for doc_id, _ in candidates]
        chosen = {rng.choice(preferred)}
        if rng.random() < 0.5:
            chosen.add(rng.choice(candidates)[0])
        rows += [{"topic_id": topic_id, "document_id": doc_id} for doc_id in sorted(chosen)]
    insert_rows(session, topic_document, rows)
    return len(rows)


# -- the demo ---------------------------------------------------------------------------------
def seed_study_demo(session, rng: random.Random) -> dict[str, int]:
    """The demo's study: a topic this month and last month, a bank of 3 categories × 8 questions, three
    quizzes (open now, closed with attempts, upcoming), attempts, topics studied and their ledger, so
    that every study page and screen shows something. The demo's member account has not yet taken the
    open quiz: it is there to take."""
    from handbook.auth.models import User

    rng = random.Random(rng.getrandbits(64))
    writer = _Writer(session)
    root_id, root_path = session.execute(select(Organization.id, Organization.path)
                                         .order_by(func.length(Organization.path), Organization.id)).first()
    now = utcnow()
    this_month = _month_start((now + LOCAL_OFFSET).date())
    months = [_add_months(this_month, -1), this_month]
    topic_id = _next_id(session, StudyTopic)
    topic_rows, spans = [], []
    for k, month in enumerate(months):
        title, lead = MONTHLY_THEMES[month.month - 1]
        published = min(_local_midnight(month) + timedelta(hours=8), now - timedelta(hours=1))
        topic_rows.append({"id": topic_id + k, "month": month, "title": title, "summary": lead,
                           "body_html": _topic_body(rng, lead), "organization_id": root_id, "status": "published",
                           "published_at": published, "points": 5, "created_at": published, "updated_at": published})
        spans.append((topic_id + k, root_path, published, min(_local_midnight(_add_months(month, 1)), now), 5))
    insert_rows(session, StudyTopic.__table__, topic_rows)

    category_rows, question_rows = bank_rows(rng, root_id, _next_id(session, QuizCategory), _next_id(session, QuizQuestion),
                                             now, categories=3, per_category=8)
    insert_rows(session, QuizCategory.__table__, category_rows)
    insert_rows(session, QuizQuestion.__table__, question_rows)
    pool = [row["id"] for row in question_rows]
    quiz_id = _next_id(session, Quiz)
    windows = [("Thi tìm hiểu tháng trước", now - timedelta(days=40), now - timedelta(days=20), topic_id),
               ("Thi tìm hiểu tháng này", now - timedelta(days=3), now + timedelta(days=10), topic_id + 1),
               ("Thi tìm hiểu Điều lệ Đảng (sắp mở)", now + timedelta(days=7), now + timedelta(days=21), None)]
    plans, quiz_rows, link_rows = [], [], []
    for k, (title, opens, closes, topic) in enumerate(windows):
        plan = _QuizPlan(quiz_id + k, root_path, opens, closes, 10, 2, "best", 60, 10, 15, pool)
        quiz_rows.append(_quiz_row(plan, root_id, f"{title}: {category_rows[k]['name']}",
                                   "Bài thi trắc nghiệm 10 câu, 15 phút, được làm 2 lần, tính lần có điểm cao nhất.",
                                   topic, now))
        link_rows += [{"quiz_id": plan.id, "category_id": row["id"]} for row in category_rows]
        plans.append(plan)
    insert_rows(session, Quiz.__table__, quiz_rows)
    insert_rows(session, quiz_category_link, link_rows)

    demo_member = session.execute(select(User.member_id).where(User.role == "member")).scalar()
    members = [tuple(row) for row in session.execute(
        select(Member.id, Member.organization_id, Organization.path).join(Organization, Organization.id == Member.organization_id)
        .where(Member.status.in_(IN_PARTY)).order_by(Member.id))]
    questions = _difficulties(rng, question_rows)
    closed, open_now = plans[0], plans[1]
    counts = _write_attempts(session, writer, attempt_chunks(writer, rng, [closed], questions, members,
                                                             _next_id(session, QuizAttempt), now, 0.8))
    others = [m for m in members if m[0] != demo_member]
    more = _write_attempts(session, writer, attempt_chunks(writer, rng, [open_now], questions, others,
                                                           _next_id(session, QuizAttempt), now, 0.3))
    counts = {key: counts[key] + more[key] for key in counts}
    counts.update(_write_reads(writer, _topic_reads(writer, rng, spans, members, 0.6, 0.8, now)))
    counts.update(study_topics=len(topic_rows), quiz_categories=len(category_rows), quiz_questions=len(question_rows),
                  quizzes=len(quiz_rows))
    return counts
