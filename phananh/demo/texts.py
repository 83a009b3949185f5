"""Vietnamese text for the demo city: what citizens write and what units answer.

Descriptions are built from per-category templates filled with real street
names of each ward, then written in one of several styles people actually
use: casual, formal (letters, emails), without diacritics (old phones,
foreign keyboards) and SMS shorthand ("den duong hu ko ai sua"). Everything
here is data plus small pure functions driven by a `random.Random`, so one
seed always gives the same city.
"""

import unicodedata

# Streets of each ward (statistics-office code), as locals name them.
STREETS = {
    "26740": ["Lê Lợi", "Nguyễn Huệ", "Đồng Khởi", "Hai Bà Trưng", "Lê Thánh Tôn", "Tôn Đức Thắng",
              "Mạc Đĩnh Chi", "Lý Tự Trọng", "Nguyễn Du", "Pasteur"],
    "26737": ["Hai Bà Trưng", "Trần Quang Khải", "Trần Nhật Duật", "Đinh Tiên Hoàng", "Nguyễn Hữu Cầu",
              "Bà Lê Chân", "Mai Thị Lựu", "Trần Khắc Chân"],
    "26743": ["Lê Lai", "Phạm Ngũ Lão", "Bùi Viện", "Nguyễn Thị Nghĩa", "Lê Thị Riêng", "Cách Mạng Tháng Tám",
              "Nguyễn Trãi", "Trương Định", "Lê Thánh Tôn"],
    "26758": ["Nguyễn Thái Học", "Trần Hưng Đạo", "Cô Giang", "Cô Bắc", "Đề Thám", "Calmette",
              "Nguyễn Công Trứ", "Ký Con", "Yersin"],
    "27160": ["Nguyễn Thiện Thuật", "Nguyễn Đình Chiểu", "Cao Thắng", "Điện Biên Phủ", "Vườn Chuối",
              "Bàn Cờ", "Lý Thái Tổ"],
    "27139": ["Nam Kỳ Khởi Nghĩa", "Võ Văn Tần", "Nguyễn Thị Minh Khai", "Pasteur", "Lê Quý Đôn",
              "Bà Huyện Thanh Quan", "Trần Quốc Thảo"],
    "27142": ["Lê Văn Sỹ", "Trần Văn Đang", "Trường Sa", "Kỳ Đồng", "Trần Quốc Thảo", "Trần Quang Diệu",
              "Rạch Bùng Binh"],
    "26944": ["Phan Đăng Lưu", "Lê Quang Định", "Bạch Đằng", "Vũ Tùng", "Nơ Trang Long", "Chu Văn An",
              "Đinh Tiên Hoàng"],
}

BUS_ROUTES = ["01", "03", "04", "18", "19", "31", "36", "56", "65", "93", "109", "152"]

# Casual descriptions per category, with diacritics. Placeholders: {street},
# {street2}, {num}, {hem}, {days}, {bus}.
CASUAL = {
    "lan-chiem-via-he": [
        "Các quán ăn trên đường {street} bày bàn ghế kín vỉa hè, người đi bộ phải đi xuống lòng đường.",
        "Hàng quán trước số {num} {street} lấn chiếm hết vỉa hè từ chiều tới khuya, xe máy đậu tràn ra lòng "
        "đường gây kẹt xe.",
        "Tiệm sửa xe ở số {num} {street} để xe và đồ nghề chiếm gần hết vỉa hè, dầu nhớt chảy ra rất trơn.",
        "Shop quần áo ở {street} bày hàng, dựng ma-nơ-canh ra tận mép đường, người đi bộ không còn chỗ đi.",
    ],
    "xay-dung-trai-phep": [
        "Căn nhà số {num} {street} đang xây thêm tầng, cơi nới ban công lấn ra ngoài, không thấy treo biển "
        "giấy phép xây dựng.",
        "Công trình trong hẻm {hem} {street} thi công cả ban đêm, không che chắn, gạch đá rơi xuống hẻm.",
        "Nhà trong hẻm {hem} {street} đập tường xây lấn ra lối đi chung gần nửa mét.",
    ],
    "quang-cao-trai-phep": [
        "Tờ rơi khoan cắt bê tông, cho vay tiền dán đầy cột điện và tường nhà trên đường {street}.",
        "Băng rôn quảng cáo treo ngang đường {street} đã rách, bay phất phơ rất nguy hiểm cho người đi xe máy.",
        "Bảng hiệu cửa hàng ở số {num} {street} chìa ra quá lớn, che mất biển báo giao thông.",
    ],
    "dau-xe-trai-phep": [
        "Ô tô đậu hai bên đường {street} suốt ngày, xe cứu thương khó vào được hẻm {hem}.",
        "Xe ô tô đậu chắn ngay lối vào hẻm {hem} {street}, người dân không ra vào được.",
        "Bãi giữ xe tự phát trên vỉa hè trước số {num} {street}, thu 10 nghìn đồng một lượt.",
    ],
    "rac-thai": [
        "Rác đổ thành đống ở đầu hẻm {hem} {street}, bốc mùi hôi thối {days} nay chưa ai dọn.",
        "Có người đổ trộm xà bần và rác ở góc {street} – {street2}, chất cao gần nửa mét.",
        "Xe thu gom rác {days} không tới lấy, rác tràn ra đường {street}, ruồi nhặng bu đầy.",
        "Bãi rác tự phát dưới chân cột điện trước số {num} {street}, tối nào cũng có người mang rác tới vứt.",
    ],
    "nuoc-thai": [
        "Cống trước số {num} {street} bốc mùi hôi nồng nặc, nước đen tràn lên mặt đường.",
        "Nước thải từ quán ăn ở số {num} {street} xả thẳng ra hẻm, hôi thối không chịu nổi.",
        "Mương thoát nước trong hẻm {hem} {street} bị tắc, nước thải đọng lại sinh ruồi muỗi.",
    ],
    "tieng-on": [
        "Quán nhậu ở số {num} {street} hát karaoke tới hơn 12 giờ đêm, người già và trẻ nhỏ không ngủ được.",
        "Công trình ở hẻm {hem} {street} thi công đóng cọc từ 5 giờ sáng, ồn không chịu nổi.",
        "Loa kẹo kéo hát ngoài đường {street} mỗi tối, mở âm lượng rất lớn.",
    ],
    "o-nhiem-khong-khi": [
        "Có người đốt rác trong hẻm {hem} {street}, khói đen bay vào nhà dân, ho sặc sụa.",
        "Xe chở vật liệu xây dựng không che chắn, bụi mù mịt cả đoạn đường {street}.",
        "Quán nướng ở số {num} {street} xả khói thẳng vào nhà bên cạnh.",
    ],
    "cay-xanh": [
        "Cây me lớn trước số {num} {street} bị nghiêng, rễ bật lên vỉa hè, mưa gió sợ đổ.",
        "Cành cây khô gãy treo lơ lửng trên đường {street}, rất nguy hiểm cho người đi đường.",
        "Cây đổ chắn ngang đường {street} đoạn gần số {num} sau cơn mưa chiều nay.",
    ],
    "hu-hong-mat-duong": [
        "Ổ gà lớn giữa đường {street} gần ngã tư {street2}, tối qua có người đi xe máy té.",
        "Mặt đường {street} mới làm cao hơn mặt đường cũ, tạo gờ rất nguy hiểm cho xe máy.",
        "Đường {street} đoạn trước số {num} bị lún, sụt thành hố sau khi đào lắp cống.",
    ],
    "den-chieu-sang": [
        "Đèn đường trên {street} đoạn gần số {num} bị hư {days} nay, tối om.",
        "Trụ đèn trong hẻm {hem} {street} chớp tắt liên tục rồi tắt hẳn, tối đi rất sợ.",
        "Đèn chiếu sáng trên đường {street} sáng cả ban ngày, lãng phí điện.",
        "Cả dãy đèn đường {street} từ ngã tư {street2} tắt hết, xe chạy không thấy ổ gà.",
    ],
    "den-tin-hieu": [
        "Đèn tín hiệu giao thông ở ngã tư {street} – {street2} bị tắt, xe cộ đi lộn xộn.",
        "Đèn xanh hướng {street} chỉ có 10 giây, kẹt xe kéo dài mỗi giờ tan tầm.",
        "Đèn giao thông ngã tư {street} – {street2} chỉ nháy vàng từ sáng tới giờ.",
    ],
    "ngap-nuoc": [
        "Mưa chừng 30 phút là đường {street} đoạn trước số {num} ngập tới nửa bánh xe.",
        "Hẻm {hem} {street} ngập sâu sau mỗi trận mưa, nước rút rất chậm, tràn vào nhà.",
        "Triều cường lên, nước tràn qua đường {street}, xe máy chết máy hàng loạt.",
    ],
    "ho-ga-nap-cong": [
        "Nắp hố ga trước số {num} {street} bị bể, hở một lỗ lớn, ban đêm rất nguy hiểm.",
        "Hố ga trên đường {street} bị mất nắp, người dân phải cắm cành cây để cảnh báo.",
        "Nắp cống ở ngã tư {street} – {street2} bị lệch khỏi khung, xe chạy qua kêu lạch cạch.",
    ],
    "cap-nuoc": [
        "Ống nước bể trước số {num} {street}, nước chảy lênh láng từ sáng.",
        "Nhà tôi ở hẻm {hem} {street} mất nước {days} rồi mà không có thông báo.",
        "Xe tải cán bể đồng hồ nước trước nhà số {num} {street}, nước xì mạnh ra đường.",
    ],
    "dien": [
        "Trụ điện trước số {num} {street} nghiêng hẳn ra đường, dây điện võng thấp.",
        "Khu vực hẻm {hem} {street} cúp điện từ tối qua tới giờ chưa có lại.",
        "Cột điện nằm giữa lòng đường {street} sau khi mở rộng đường, ban đêm xe dễ tông vào.",
    ],
    "cap-vien-thong": [
        "Dây cáp viễn thông sà xuống thấp ngang đầu người ở hẻm {hem} {street}.",
        "Cáp viễn thông chằng chịt như mạng nhện trên trụ điện trước số {num} {street}, có bó dây rớt xuống "
        "vỉa hè.",
        "Cuộn cáp dư treo trên cột điện đầu hẻm {hem} {street} bị cháy xém, sợ chập cháy.",
    ],
    "giao-thong-cong-cong": [
        "Xe buýt số {bus} chạy ẩu, không dừng hẳn ở trạm trên đường {street} cho khách xuống.",
        "Trạm chờ xe buýt trên đường {street} bị hư mái che, ghế ngồi gãy.",
        "Tài xế xe buýt tuyến {bus} vừa chạy vừa nói chuyện điện thoại, bỏ trạm {street}.",
    ],
    "y-te": [
        "Quán ăn ở số {num} {street} sơ chế thực phẩm ngay trên vỉa hè, sát miệng cống, rất mất vệ sinh.",
        "Tiệm thuốc trên đường {street} bán thuốc kháng sinh không cần đơn.",
        "Ăn cơm ở quán số {num} {street} xong cả nhà bị đau bụng, nghi ngộ độc thực phẩm.",
    ],
    "giao-duc": [
        "Trường tiểu học trên đường {street} thu thêm nhiều khoản ngoài quy định đầu năm học.",
        "Giờ tan trường phụ huynh đậu xe kín đường {street} trước cổng trường, kẹt xe kéo dài.",
        "Cơ sở dạy thêm trong hẻm {hem} {street} học sinh ngồi chật kín, không có lối thoát hiểm.",
    ],
    "thai-do-phuc-vu": [
        "Tôi đến bộ phận một cửa của phường làm chứng thực, cán bộ hướng dẫn không rõ ràng, phải đi lại 3 lần.",
        "Hồ sơ đăng ký hộ kinh doanh của tôi trễ hẹn hai tuần mà không ai giải thích.",
        "Cán bộ tiếp dân buổi sáng nói chuyện thiếu tôn trọng với người lớn tuổi.",
    ],
    "an-ninh": [
        "Nhóm thanh niên tụ tập đua xe, nẹt pô trên đường {street} khoảng 1-2 giờ sáng.",
        "Trong hẻm {hem} {street} có người tụ tập đánh bài ăn tiền mỗi tối.",
        "Khu vực đầu hẻm {hem} {street} liên tục mất trộm xe máy, camera có ghi lại.",
    ],
    "khac": [
        "Chó thả rông không rọ mõm trong hẻm {hem} {street}, tuần trước đã cắn một cháu bé.",
        "Đề nghị lắp gương cầu lồi ở khúc cua hẻm {hem} {street}, xe hay va quẹt.",
        "Biển tên đường {street} ở góc ngã tư {street2} bị mờ, người lạ hỏi đường hoài.",
    ],
}

# What people type on a basic phone: no diacritics, abbreviations, no greeting.
SMS = {
    "lan-chiem-via-he": ["quan an {s} bay ban ghe het via he, di bo phai xuong duong",
                         "via he truoc so {num} {s} bi lan chiem het r"],
    "xay-dung-trai-phep": ["nha so {num} {s} xay them tang ko co giay phep", "hem {hem} {s} xay ban dem on qa"],
    "quang-cao-trai-phep": ["to roi dan day cot dien {s}, ai go dum", "bang ron {s} rach bay phat phat nguy hiem"],
    "dau-xe-trai-phep": ["oto dau chan hem {hem} {s} ko ra dc", "giu xe tren via he {num} {s} thu tien"],
    "rac-thai": ["rac dau hem {hem} {s} boc mui qa, ko ai don", "rac tran ra duong {s} may bua r"],
    "nuoc-thai": ["cong truoc {num} {s} hoi qa", "nuoc thai tran hem {hem} {s}"],
    "tieng-on": ["karaoke {num} {s} hat toi 12h dem ko ngu dc", "loa keo keo {s} on qa troi"],
    "o-nhiem-khong-khi": ["dot rac hem {hem} {s} khoi qa", "bui mu mit duong {s}"],
    "cay-xanh": ["cay truoc {num} {s} nghieng sap do", "canh cay gay treo tren duong {s} nguy hiem"],
    "hu-hong-mat-duong": ["o ga to duong {s} gan nga tu, co ng te r", "duong {s} lun thanh ho"],
    "den-chieu-sang": ["den duong {s} hu ko ai sua", "den hem {hem} {s} tat may bua r toi thui"],
    "den-tin-hieu": ["den giao thong nga tu {s} tat, ket xe", "den xanh {s} ngan qa"],
    "ngap-nuoc": ["mua chut xiu la {s} ngap nua banh xe", "hem {hem} {s} ngap vo nha"],
    "ho-ga-nap-cong": ["ho ga {num} {s} mat nap, nguy hiem", "nap cong {s} bi be"],
    "cap-nuoc": ["mat nuoc hem {hem} {s} 2 ngay r", "ong nuoc be truoc {num} {s}"],
    "dien": ["cup dien hem {hem} {s} tu toi qua", "tru dien {num} {s} nghieng"],
    "cap-vien-thong": ["day cap sa xuong thap hem {hem} {s}", "cap vien thong rot xuong via he {s}"],
    "giao-thong-cong-cong": ["xe buyt {bus} ko dung tram {s}", "tram xe buyt {s} hu mai che"],
    "y-te": ["quan an {num} {s} mat ve sinh", "an o {s} bi dau bung ca nha"],
    "giao-duc": ["truong tren {s} thu tien ngoai quy dinh", "truoc cong truong {s} ket xe"],
    "thai-do-phuc-vu": ["can bo phuong huong dan ko ro, di lai 3 lan", "ho so tre hen 2 tuan ko ai tra loi"],
    "an-ninh": ["dua xe {s} 1-2h sang", "danh bai hem {hem} {s} moi toi"],
    "khac": ["cho tha rong hem {hem} {s} can con nit", "xin lap guong cau loi hem {hem} {s}"],
}

CASUAL_ENDINGS_WARD = [
    "", "", " Mong phường xử lý sớm.", " Đề nghị phường kiểm tra giúp.", " Nhờ các anh chị xử lý giúp, cảm ơn!",
    " Đã báo một lần rồi mà chưa thấy ai xuống.",
]
CASUAL_ENDINGS_OTHER = [
    "", "", " Mong cơ quan chức năng xử lý sớm.", " Nhờ kiểm tra giúp, cảm ơn!",
    " Tình trạng này kéo dài lâu rồi.",
]
DAYS = ["hai ngày", "ba ngày", "mấy ngày", "cả tuần", "gần một tuần"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Trương", "Đinh"]
MIDDLE_M = ["Văn", "Minh", "Đức", "Quốc", "Hoàng", "Thanh", "Hữu", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Bích", "Phương"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Tâm", "Tuấn",
           "Thành", "Vinh", "Sơn", "Khánh", "Trí"]
GIVEN_F = ["Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Ngân", "Thảo", "Trang", "Vy", "Yến", "Nhung", "Hồng",
           "Oanh", "Tuyết", "Loan"]
PHONE_PREFIXES = ["090", "091", "093", "094", "097", "098", "032", "035", "038", "070", "077", "079", "083", "086"]

# --- what units write back -------------------------------------------------------

FIXED = {
    "lan-chiem-via-he": "Tổ trật tự đô thị phường đã kiểm tra, lập biên bản nhắc nhở các hộ kinh doanh và thu "
                        "dọn bàn ghế; vỉa hè đã thông thoáng.",
    "xay-dung-trai-phep": "Phường đã kiểm tra, lập biên bản đình chỉ thi công phần cơi nới không phép; chủ nhà "
                          "đã tự tháo dỡ phần ban công lấn ra ngoài.",
    "quang-cao-trai-phep": "Đã bóc, xóa toàn bộ tờ rơi, quảng cáo trái phép trên cột điện và tường nhà; tháo "
                           "băng rôn rách.",
    "dau-xe-trai-phep": "Tổ trật tự đô thị đã nhắc nhở, yêu cầu di dời xe; giải tỏa điểm giữ xe tự phát trên vỉa "
                        "hè.",
    "rac-thai": "Đã điều xe thu gom toàn bộ rác, xà bần; vệ sinh, rải vôi khử mùi và gắn biển cấm đổ rác.",
    "nuoc-thai": "Đã nạo vét đoạn cống bị tắc, xử lý mùi; nhắc nhở hộ kinh doanh không xả nước thải ra hẻm.",
    "tieng-on": "Công an phường phối hợp kiểm tra, nhắc nhở chủ quán giảm âm lượng và không hát sau 22 giờ.",
    "o-nhiem-khong-khi": "Đã kiểm tra, yêu cầu chấm dứt đốt rác; hướng dẫn người dân giao rác cho đơn vị thu gom.",
    "cay-xanh": "Đã cưa, cắt tỉa và chằng chống cây; thu dọn cành gãy, giải phóng mặt đường.",
    "hu-hong-mat-duong": "Đã vá ổ gà, thảm bê tông nhựa hoàn trả mặt đường bằng phẳng.",
    "den-chieu-sang": "Đã thay bộ đèn LED và sửa chữa tủ điều khiển; đèn hoạt động bình thường trở lại.",
    "den-tin-hieu": "Đã thay bộ điều khiển đèn tín hiệu và cài đặt lại chu kỳ đèn; nút giao hoạt động bình thường.",
    "ngap-nuoc": "Đã nạo vét hố ga, khơi thông cửa thu nước; đoạn đường thoát nước tốt trong trận mưa sau đó.",
    "ho-ga-nap-cong": "Đã thay nắp hố ga mới bằng gang cầu và cố định lại khung.",
    "cap-nuoc": "Đã sửa ống cấp nước bị vỡ, thay đồng hồ nước và hoàn trả mặt bằng; nước đã cấp bình thường.",
    "dien": "Điện lực đã dựng thẳng, gia cố trụ điện và căng lại dây; khu vực đã có điện trở lại.",
    "cap-vien-thong": "Đã bó gọn, kéo căng cáp và tháo bỏ cáp không sử dụng trên tuyến.",
    "giao-thong-cong-cong": "Đã làm việc với đơn vị vận tải, nhắc nhở tài xế; sửa mái che và ghế trạm chờ.",
    "y-te": "Đoàn kiểm tra an toàn thực phẩm đã kiểm tra, xử phạt và yêu cầu cơ sở khắc phục điều kiện vệ sinh.",
    "giao-duc": "Sở đã yêu cầu nhà trường hoàn trả các khoản thu sai quy định và báo cáo kết quả.",
    "thai-do-phuc-vu": "Lãnh đạo phường đã làm việc với cán bộ, nhắc nhở và xin lỗi người dân; hồ sơ đã được giải "
                       "quyết.",
    "an-ninh": "Công an phường đã tăng cường tuần tra vào ban đêm, giải tán nhóm tụ tập và lập biên bản.",
    "khac": "Đơn vị đã kiểm tra thực tế và xử lý theo nội dung phản ánh.",
}

CANNOT_FIX = [
    ("Vị trí phản ánh nằm trong đất do tư nhân quản lý, đơn vị không có thẩm quyền can thiệp; đã hướng dẫn người "
     "dân liên hệ chủ sở hữu.", False),
    ("Việc sửa chữa cần bố trí kinh phí; đơn vị đã đưa vào kế hoạch duy tu và sẽ thi công theo ngày dự kiến.", True),
    ("Hạng mục nằm trong dự án chống ngập đang triển khai, chưa thể xử lý riêng lẻ; sẽ khắc phục khi dự án hoàn "
     "thành.", True),
]

REFERRED = {
    "cap-vien-thong": ("Tuyến cáp thuộc Viettel; đã chuyển thông tin cho Viettel TP.HCM để bó gọn cáp.",
                       "Viettel TP.HCM"),
    "dien": ("Đường dây thuộc trạm biến áp của tòa nhà; đã chuyển Ban quản lý tòa nhà xử lý.",
             "Ban quản lý tòa nhà"),
    "y-te": ("Đã chuyển Chi cục An toàn vệ sinh thực phẩm TP.HCM kiểm tra cơ sở.",
             "Chi cục An toàn vệ sinh thực phẩm TP.HCM"),
    "giao-thong-cong-cong": ("Đã chuyển Công ty cổ phần Xe khách Sài Gòn (SAIGONBUS) xử lý tài xế tuyến này.",
                             "SAIGONBUS"),
    "an-ninh": ("Vụ việc có dấu hiệu hình sự; đã chuyển Công an TP.HCM thụ lý.", "Công an TP.HCM"),
    "lan-chiem-via-he": ("Khu vực thuộc Ban quản lý chợ; đã chuyển Ban quản lý chợ Bến Thành xử lý.",
                         "Ban quản lý chợ Bến Thành"),
}
REFERRED_DEFAULT = ("Vị trí thuộc khuôn viên chung cư; đã chuyển Ban quản trị chung cư xử lý.",
                    "Ban quản trị chung cư")

SATISFIED_COMMENTS = ["", "", "Cảm ơn phường đã xử lý nhanh!", "Đã sạch sẽ, cảm ơn các anh.",
                      "Xử lý tốt, cảm ơn.", "Cảm ơn đơn vị, đi đường an toàn hơn nhiều.", "ok cam on"]
UNSATISFIED_COMMENTS = ["Mới xử lý được một ngày lại như cũ.", "Chỉ làm qua loa, vẫn còn nguyên.",
                        "Ảnh xử lý không phải chỗ tôi phản ánh.", "Đèn sáng được hai hôm lại tắt."]
REOPEN_COMMENTS = ["Tối qua lại tái diễn y như cũ, đề nghị xử lý dứt điểm.",
                   "Vẫn chưa được khắc phục, tôi vừa đi ngang kiểm tra.",
                   "Sửa xong lại hư, đề nghị kiểm tra lại."]
# (what was sent, the public reason for rejecting it, whether it came with a location)
REJECTIONS = [
    ("Hàng xóm xây tường cao che hết cửa sổ nhà tôi, đề nghị phường buộc họ đập bỏ, hai nhà đang tranh chấp ranh "
     "đất.",
     "Nội dung là tranh chấp dân sự giữa các hộ gia đình, không thuộc phạm vi tiếp nhận phản ánh; đề nghị ông/bà "
     "liên hệ Tổ hòa giải khu phố hoặc Tòa án nhân dân.", True),
    ("Có chuyện cần báo mà không biết chỗ nào, gọi lại cho tôi.",
     "Phản ánh không có địa chỉ cụ thể; tổng đài đã gọi lại hai lần nhưng không liên lạc được. Vui lòng gửi lại "
     "kèm địa chỉ hoặc vị trí trên bản đồ.", False),
    ("Dịch vụ khoan cắt bê tông, thông cống nghẹt giá rẻ, gọi ngay 0909 000 111.",
     "Nội dung là tin nhắn quảng cáo, không phải phản ánh về đô thị.", True),
    ("Tôi không đồng ý với quyết định xử phạt hành chính tháng trước, đề nghị xem xét lại.",
     "Việc khiếu nại quyết định xử phạt được giải quyết theo Luật Khiếu nại, không qua kênh phản ánh; đề nghị "
     "ông/bà gửi đơn khiếu nại đến cơ quan đã ra quyết định.", True),
]
# (category first sent to, why the unit returns it, the category the coordinator picks instead)
RETURNS = [
    ("nuoc-thai", "Qua kiểm tra là ống cấp nước bị vỡ chứ không phải nước thải; đề nghị chuyển SAWACO.",
     "cap-nuoc"),
    ("ho-ga-nap-cong", "Đây là hầm van của mạng cấp nước, không phải hố ga thoát nước; đề nghị chuyển đơn vị cấp "
     "nước.", "cap-nuoc"),
    ("dien", "Dây võng xuống là cáp viễn thông, không phải dây điện lực; đề nghị chuyển đơn vị viễn thông.",
     "cap-vien-thong"),
    ("rac-thai", "Điểm rác nằm trên vỉa hè do hộ kinh doanh bày hàng lấn chiếm; đề nghị chuyển xử lý trật tự "
     "đô thị.", "lan-chiem-via-he"),
]
EXTENSION_REASONS = [
    "Cần chờ vật tư thay thế (nắp gang, bộ đèn) từ kho tổng công ty.",
    "Phải phối hợp cắt điện với Điện lực để thi công an toàn, lịch cắt điện vào cuối tuần.",
    "Mưa liên tục nhiều ngày, chưa thể thảm nhựa hoàn trả mặt đường.",
    "Cần xin phép đào đường của Sở Xây dựng trước khi thi công.",
]
DECLINE_REASONS = ["Hạng mục đơn giản, đề nghị đơn vị bố trí nhân lực xử lý trong thời hạn."]
NOTES = [
    "Đã gọi lại người phản ánh để xác nhận vị trí chính xác.",
    "Đã cử tổ công tác xuống hiện trường kiểm tra.",
    "Chờ phối hợp với đơn vị thi công để xác định trách nhiệm.",
]


def strip_diacritics(text):
    """'Đèn đường hư' -> 'Den duong hu' (đ is a letter of its own, not a mark)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def person_name(rng):
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"


def phone_number(rng):
    """A plausible mobile number: ten digits starting with a carrier prefix."""
    return rng.choice(PHONE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))


def email_for(rng, name):
    slug = strip_diacritics(name).lower().split()
    return f"{slug[-1]}.{''.join(w[0] for w in slug[:-1])}{rng.randrange(10, 99)}@example.com"


def place(rng, ward_code):
    """Fillers for a template in one ward, and the address a citizen would type."""
    streets = STREETS[ward_code]
    street, street2 = rng.sample(streets, 2)
    num = str(rng.randrange(2, 280))
    if rng.random() < 0.25:
        num = f"{num}/{rng.randrange(1, 40)}"
    hem = str(rng.randrange(10, 400, 2))
    fillers = {"street": street, "street2": street2, "num": num, "hem": hem, "days": rng.choice(DAYS),
               "bus": rng.choice(BUS_ROUTES)}
    address = rng.choice([f"{num} {street}", f"Hẻm {hem} {street}", f"Trước số {num} {street}",
                          f"Góc {street} – {street2}"])
    return fillers, address


def casual_text(rng, category, fillers, ward_handled):
    text = rng.choice(CASUAL[category]).format(**fillers)
    return text + rng.choice(CASUAL_ENDINGS_WARD if ward_handled else CASUAL_ENDINGS_OTHER)


def describe(rng, category, fillers, style, *, ward_handled=False, ward_name="", reporter_name=""):
    """One description of a problem of `category` (a code), written in `style`:
    casual, formal, nodiac, sms or operator (typed by the hotline).
    `ward_handled` says the ward itself handles it, so people address the ward."""
    if style == "sms":
        fillers = dict(fillers, s=strip_diacritics(fillers["street"]).lower())
        return rng.choice(SMS[category]).format(**fillers)
    if style == "nodiac":
        return strip_diacritics(casual_text(rng, category, fillers, ward_handled))
    if style == "casual":
        return casual_text(rng, category, fillers, ward_handled)
    text = rng.choice(CASUAL[category]).format(**fillers)
    if style == "operator":
        lead = rng.choice(["Người dân gọi tổng đài 1022 phản ánh: ", "Công dân báo qua điện thoại: ",
                           "Tổng đài ghi nhận cuộc gọi: "])
        return lead + text[0].lower() + text[1:] + " Người gọi đề nghị xử lý sớm."
    if style == "formal":
        # "UBND phường Bến Thành": the title is written in lower case after UBND.
        recipient = f"UBND {ward_name[0].lower()}{ward_name[1:]}" if ward_handled and ward_name else "quý cơ quan"
        who = (f"Tôi tên là {reporter_name}, cư trú tại địa phương." if reporter_name
               else "Tôi là người dân sinh sống tại khu vực.")
        closing = rng.choice(["Kính đề nghị quý cơ quan kiểm tra, xử lý. Trân trọng cảm ơn.",
                              "Kính mong quý cơ quan sớm có biện pháp xử lý dứt điểm. Xin chân thành cảm ơn."])
        return f"Kính gửi {recipient}. {who} Tôi xin phản ánh việc sau: {text} {closing}"
    raise ValueError(f"unknown writing style {style!r}")

# (category first sent to, why the unit returns it, why the coordinator then rejects it)
RETURN_THEN_REJECT = [
    ("cay-xanh", "Cây nằm trong khuôn viên nhà riêng, không phải cây xanh công cộng do công ty quản lý.",
     "Cây thuộc đất của hộ gia đình nên chủ nhà chịu trách nhiệm cắt tỉa theo quy định; phường đã nhắc nhở "
     "chủ nhà. Phản ánh không thuộc phạm vi xử lý của cơ quan nhà nước."),
    ("cap-nuoc", "Đường ống bị rò nằm sau đồng hồ nước, thuộc phần nội bộ của hộ gia đình.",
     "Đoạn ống rò nằm sau đồng hồ nước nên thuộc trách nhiệm của hộ gia đình; đề nghị gia đình thuê thợ sửa "
     "chữa."),
]
OVERDUE_NOTES = [
    "Tổ điều phối đã gọi điện nhắc đơn vị: phản ánh đã quá hạn xử lý.",
    "Đã báo cáo lãnh đạo đơn vị về phản ánh quá hạn.",
]
