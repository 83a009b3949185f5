"""Everyday words people type when looking for a category.

Official category names are administrative ("Đèn chiếu sáng công cộng hư");
people search the way they speak ("đèn đường", "ổ gà", "kẹt cống"). The
category search box on the submit page matches these words as well as the
names, accent-insensitively. Keys are category codes (stable contracts); a
code missing here is still found by its names. These are search aids, never
shown as text, so they are not translated.
"""

TERMS = {
    "lan-chiem-via-he": "vỉa hè lề đường buôn bán hàng rong lấn chiếm bàn ghế quán sidewalk vendor blocked pavement",
    "xay-dung-trai-phep": "xây dựng công trình xây nhà cơi nới không giấy phép construction building permit",
    "quang-cao-trai-phep": "quảng cáo tờ rơi dán tường bảng hiệu rao vặt khoan cắt bê tông poster flyer sign",
    "dau-xe-trai-phep": "đậu xe đỗ xe ô tô xe máy chắn lối parking parked car blocking",
    "rac-thai": "rác bãi rác đổ rác xả rác hôi thối xà bần garbage trash rubbish dumping litter waste",
    "nuoc-thai": "nước thải cống hôi nước bẩn kênh rạch ô nhiễm sewage wastewater drain smell",
    "tieng-on": "ồn ào karaoke loa kẹo kéo nhạc lớn tiếng ồn công trình ban đêm noise loud music",
    "o-nhiem-khong-khi": "khói bụi đốt rác mùi hôi khí thải smoke dust smell burning air pollution",
    "cay-xanh": "cây đổ cây gãy nhánh cây cành cây nghiêng nguy hiểm tree branch fallen",
    "hu-hong-mat-duong": "ổ gà ổ voi đường hư đường lún sụt lún mặt đường nứt đường cao thấp pothole road damage",
    "den-chieu-sang": "đèn đường bóng đèn cột đèn tối om đèn tắt đèn hư không sáng street light lamp dark",
    "den-tin-hieu": "đèn giao thông đèn xanh đèn đỏ đèn tín hiệu hư traffic light signal",
    "ngap-nuoc": "ngập nước ngập úng mưa lớn thoát nước kẹt cống flood flooding water drainage",
    "ho-ga-nap-cong": "hố ga nắp cống mất nắp cống sập manhole cover drain hole",
    "cap-nuoc": "nước máy vỡ ống bể ống rò rỉ đồng hồ nước mất nước cúp nước water pipe leak meter",
    "dien": "cột điện dây điện mất điện cúp điện chập điện trạm biến áp power pole electric wire outage",
    "cap-vien-thong": "dây cáp dây mạng dây điện thoại chằng chịt sà xuống cable wires internet",
    "giao-thong-cong-cong": "xe buýt trạm xe buýt metro tàu điện nhà chờ bus station transit",
    "y-te": "bệnh viện trạm y tế thực phẩm bẩn ngộ độc vệ sinh an toàn thực phẩm hospital food safety",
    "giao-duc": "trường học học sinh giáo viên lớp học school teacher student",
    "thai-do-phuc-vu": "cán bộ thủ tục hồ sơ hành chính thái độ nhũng nhiễu official procedure rude",
    "an-ninh": "trộm cắp cướp giật đánh nhau tụ tập cờ bạc nhậu say gây rối theft fight gambling police",
    "khac": "khác không biết chọn gì other something else",
}


def terms_for(code):
    return TERMS.get(code, "")
