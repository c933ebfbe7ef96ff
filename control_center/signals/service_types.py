"""The nine services of the contract (shared/domain.md §1) and how urgent each is."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from control_center.core.i18n import N_


class ServiceType(StrEnum):
    BURGLARY = "A"  # 防犯
    FIRE = "B"  # 火災監視
    EMERGENCY = "C"  # 非常通報
    MEDICAL = "D"  # 救急通報 (My Doctor)
    GAS = "E"  # ガス漏れ監視
    LINE_CUT = "F"  # 断線監視
    EQUIPMENT = "G"  # 設備監視
    LIFE_WATCH = "H"  # ライフ監視
    OUTDOOR_CAMERA = "I"  # 屋外画像監視


class Priority(IntEnum):
    """Lower is more urgent. Life-safety services are never queued behind anything else."""

    LIFE_SAFETY = 1
    ALARM = 2
    SUPERVISORY = 3
    TROUBLE = 4
    INFO = 9


PRIORITY: dict[ServiceType, Priority] = {
    ServiceType.FIRE: Priority.LIFE_SAFETY,
    ServiceType.MEDICAL: Priority.LIFE_SAFETY,
    ServiceType.EMERGENCY: Priority.LIFE_SAFETY,
    ServiceType.GAS: Priority.LIFE_SAFETY,
    ServiceType.LIFE_WATCH: Priority.ALARM,
    ServiceType.BURGLARY: Priority.ALARM,
    ServiceType.OUTDOOR_CAMERA: Priority.ALARM,
    ServiceType.LINE_CUT: Priority.SUPERVISORY,
    ServiceType.EQUIPMENT: Priority.TROUBLE,
}

# Shown to operators; the msgids are translated through the gettext catalogs.
LABELS: dict[ServiceType, str] = {
    ServiceType.BURGLARY: N_("Burglary"),
    ServiceType.FIRE: N_("Fire"),
    ServiceType.EMERGENCY: N_("Emergency button"),
    ServiceType.MEDICAL: N_("Medical"),
    ServiceType.GAS: N_("Gas leak"),
    ServiceType.LINE_CUT: N_("Line cut"),
    ServiceType.EQUIPMENT: N_("Equipment"),
    ServiceType.LIFE_WATCH: N_("Life watch"),
    ServiceType.OUTDOOR_CAMERA: N_("Outdoor camera"),
}
