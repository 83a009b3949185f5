"""The demo city's units and staff.

Thành phố Hồ Chí Minh and eight of its real post-2025 wards come from the
official list in the `vietnam_provinces` package (codes and names as the
statistics office publishes them); the utilities, departments, police posts
and the 1022 coordination team hang under the province so that routing finds
them the way it would in a real deployment.
"""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from vietnam_provinces import Province, Ward

from phananh.units.models import Membership, Role, Unit, UnitKind

PROVINCE_CODE = 79
# Ward names as the official list spells them, west to east, north row first
# (the order of the synthetic boundary grid, see areas.py).
WARD_NAMES = [
    "Phường Nhiêu Lộc", "Phường Xuân Hòa", "Phường Tân Định", "Phường Gia Định",
    "Phường Bàn Cờ", "Phường Cầu Ông Lãnh", "Phường Bến Thành", "Phường Sài Gòn",
]
# Its presence means the demo is loaded; the whole load is one transaction.
COORDINATOR_CODE = "to-dieu-phoi-1022"

ADMIN_PASSWORD = "phananh-admin"
STAFF_PASSWORD = "phananh-demo"

# (unit code, kind, subtype, name, username of its officer)
CITY_UNITS = [
    ("sawaco", UnitKind.UTILITY, "water", "Tổng công ty Cấp nước Sài Gòn (SAWACO)", "capnuoc"),
    ("chieu-sang-cong-cong", UnitKind.UTILITY, "lighting", "Công ty TNHH MTV Chiếu sáng công cộng TP.HCM",
     "chieusang"),
    ("thoat-nuoc-do-thi", UnitKind.UTILITY, "drainage", "Công ty TNHH MTV Thoát nước đô thị TP.HCM", "thoatnuoc"),
    ("cong-vien-cay-xanh", UnitKind.UTILITY, "parks", "Công ty TNHH MTV Công viên cây xanh TP.HCM", "cayxanh"),
    ("evnhcmc", UnitKind.UTILITY, "power", "Tổng công ty Điện lực TP.HCM (EVNHCMC)", "dienluc"),
    ("vnpt-hcm", UnitKind.UTILITY, "telecom", "Viễn thông TP.HCM (VNPT TP.HCM)", "vienthong"),
    # Since March 2025 the former transport department is part of Sở Xây dựng.
    ("so-xay-dung", UnitKind.DEPARTMENT, "transport", "Sở Xây dựng TP.HCM", "xaydung"),
    ("so-y-te", UnitKind.DEPARTMENT, "health", "Sở Y tế TP.HCM", "yte"),
    ("so-giao-duc", UnitKind.DEPARTMENT, "education", "Sở Giáo dục và Đào tạo TP.HCM", "giaoduc"),
]

# Staff names, handed out in roster order: (family and middle names, given name).
STAFF_NAMES = [
    ("Trần Minh", "Quân"), ("Lê Thị Thu", "Hà"), ("Nguyễn Văn", "Hùng"), ("Phạm Ngọc", "Lan"),
    ("Võ Thanh", "Tâm"), ("Huỳnh Thị", "Mai"), ("Đặng Quốc", "Bảo"), ("Bùi Thị", "Ngân"),
    ("Đỗ Hữu", "Phước"), ("Hồ Thị Kim", "Oanh"), ("Ngô Đức", "Thịnh"), ("Dương Thị", "Thảo"),
    ("Lý Minh", "Khang"), ("Trương Thị", "Yến"), ("Phan Văn", "Lộc"), ("Vũ Thị Bích", "Ngọc"),
    ("Nguyễn Hoàng", "Phúc"), ("Trần Thị", "Hạnh"), ("Lê Văn", "Sang"), ("Phạm Thị", "Hồng"),
    ("Hoàng Minh", "Trí"), ("Đinh Thị", "Loan"), ("Nguyễn Thanh", "Sơn"), ("Trần Ngọc", "Ánh"),
    ("Lê Quốc", "Việt"), ("Võ Thị", "Tuyết"), ("Huỳnh Công", "Danh"), ("Phan Thị", "Nhung"),
    ("Đặng Văn", "Toàn"), ("Bùi Minh", "Nhật"), ("Ngô Thị", "Diễm"), ("Đỗ Thanh", "Liêm"),
    ("Hồ Văn", "Khải"), ("Dương Ngọc", "Trâm"), ("Lý Thị", "Xuân"), ("Trương Văn", "Nghĩa"),
]


@dataclass
class Account:
    username: str
    password: str
    name: str
    unit: str
    role: str


@dataclass
class City:
    province: Unit
    wards: list
    police: dict      # ward unit id -> police post
    coordination: Unit
    units: dict       # code -> utility/department
    admin: object
    coordinator: object
    staff: dict       # unit id -> {"head": user or None, "officer": user}
    accounts: list    # Account rows, in the order the table prints them


def normalise(name):
    """The official list has a few names with doubled spaces."""
    return re.sub(r"\s+", " ", name).strip()


def official_wards():
    """(province name, [(code, name, short slug)...]) in WARD_NAMES order."""
    province = next(p for p in Province.iter_all() if int(p.code) == PROVINCE_CODE)
    wanted = {name: None for name in WARD_NAMES}
    for ward in Ward.iter_all():
        if int(ward.province_code) != PROVINCE_CODE:
            continue
        name = normalise(ward.name)
        if name in wanted:
            slug = ward.codename.removeprefix("phuong_").replace("_", "")
            wanted[name] = (str(int(ward.code)), name, slug)
    missing = [name for name, found in wanted.items() if found is None]
    if missing:
        raise LookupError(f"not in the official ward list: {', '.join(missing)}")
    return normalise(province.name), list(wanted.values())


def _unit(code, **fields):
    """Reuse a unit another command already created (e.g. the official list)."""
    unit, _created = Unit.objects.get_or_create(code=code, defaults=fields)
    return unit


class _People:
    """Creates the accounts, hashing each demo password once: PBKDF2 is slow on
    purpose, and thirty-odd users with two distinct passwords need two hashes."""

    def __init__(self):
        self.names = iter(STAFF_NAMES)
        self.hashes = {}
        self.accounts = []

    def user(self, username, password, unit=None, role=None, label=None, **extra):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        shown_password = "(unchanged)"
        if user is None:
            family, given = next(self.names)
            if password not in self.hashes:
                self.hashes[password] = make_password(password)
            user = User(username=username, first_name=family, last_name=given,
                        email=f"{username}@phananh.example", password=self.hashes[password], **extra)
            user.save()
            shown_password = password
        if unit is not None:
            Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": role})
        self.accounts.append(Account(username, shown_password, user.get_full_name(), unit.name if unit else "—",
                                     label or str(role.label)))
        return user


@transaction.atomic
def build_city():
    province_name, wards = official_wards()
    province = _unit(str(PROVINCE_CODE), name=province_name, kind=UnitKind.PROVINCE)
    coordination = _unit(COORDINATOR_CODE, name="Tổ điều phối 1022", kind=UnitKind.COORDINATOR, parent=province,
                         email="dieuphoi@phananh.example")
    people = _People()
    admin = people.user("admin", ADMIN_PASSWORD, label="superuser", is_staff=True,
                        is_superuser=True)
    coordinator = people.user("dieuphoi", STAFF_PASSWORD, coordination, Role.COORDINATOR)
    staff, police, ward_units = {}, {}, []
    for code, name, slug in wards:
        ward = _unit(code, name=name, kind=UnitKind.WARD, parent=province, email=f"{slug}@phananh.example")
        post = _unit(f"ca-{code}", name=name.replace("Phường", "Công an phường", 1), kind=UnitKind.WARD,
                     subtype="police", parent=ward, email=f"ca.{slug}@phananh.example")
        ward_units.append(ward)
        police[ward.pk] = post
        staff[ward.pk] = {
            "head": people.user(f"{slug}_truong", STAFF_PASSWORD, ward, Role.HEAD),
            "officer": people.user(f"{slug}_canbo", STAFF_PASSWORD, ward, Role.OFFICER),
        }
        staff[post.pk] = {"head": None, "officer": people.user(f"{slug}_congan", STAFF_PASSWORD, post, Role.OFFICER)}
    units = {}
    for code, kind, subtype, name, username in CITY_UNITS:
        unit = _unit(code, name=name, kind=kind, subtype=subtype, parent=province,
                     email=f"{username}@phananh.example")
        units[code] = unit
        staff[unit.pk] = {"head": None, "officer": people.user(username, STAFF_PASSWORD, unit, Role.OFFICER)}
    return City(province=province, wards=ward_units, police=police, coordination=coordination, units=units,
                admin=admin, coordinator=coordinator, staff=staff, accounts=people.accounts)


def accounts_table(accounts):
    """The accounts as an aligned plain-text table (the command prints it)."""
    rows = [("username", "password", "name", "unit", "role")]
    rows += [(a.username, a.password, a.name, a.unit, a.role) for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
