"""Masking of personal data for viewers whose role does not need it in full (phones, names, ID numbers)."""


def mask_phone(phone):
    """13912345678 -> 139****5678."""
    if not phone or len(phone) < 7:
        return "***"
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name):
    """张三丰 -> 张**; a name keeps only its first character."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id_number(id_number):
    """330102199001011234 -> 3301**********1234."""
    if not id_number or len(id_number) < 8:
        return "****"
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
