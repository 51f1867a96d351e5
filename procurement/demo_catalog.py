"""The demo catalog as DESIGN.md lists it: UNSPSC categories, the demo suppliers and the items each sells.

Data only; `demo.seed` writes it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Any

from .models import Supplier

CATEGORIES = {
    "14": "Paper materials and products",
    "1411": "Paper products",
    "26": "Power generation and distribution machinery and accessories",
    "2612": "Electrical wire and cable and harness",
    "41": "Laboratory and measuring and observing and testing equipment",
    "4112": "Laboratory supplies and fixtures",
    "42": "Medical equipment and accessories and supplies",
    "4213": "Medical fabrics and tubing and related products",
    "43": "Information technology broadcasting and telecommunications",
    "4320": "Components for information technology or broadcasting or telecommunications",
    "4321": "Computer equipment and accessories",
    "4322": "Data voice or multimedia network equipment or platform and accessories",
    "44": "Office equipment and accessories and supplies",
    "4410": "Office machines and their supplies and accessories",
    "4412": "Office supplies",
    "46": "Defense and law enforcement and security and safety equipment and supplies",
    "4618": "Personal safety and protection",
}


@dataclass(frozen=True)
class DemoItem:
    sku: str
    name: str
    unspsc: str
    unit: str
    price: Decimal
    lead_time_days: int
    manufacturer: str
    attributes: dict[str, str]


def _office_items() -> Iterator[DemoItem]:
    colours = ["black", "blue", "red", "green", "purple", "orange"]
    for i, (colour, pack) in enumerate(product(colours, [10, 50])):
        yield DemoItem(
            f"BT-PEN-{colour[:3].upper()}-{pack}",
            f"Ballpoint pen, {colour}, box of {pack}",
            "44121704",
            "BX",
            Decimal("3.20") * pack / 10 + i % 3,
            2,
            "Bic",
            {"colour": colour, "pack size": str(pack)},
        )
    for colour in colours[:4]:
        yield DemoItem(
            f"BT-WBM-{colour[:3].upper()}",
            f"Whiteboard marker, {colour}, box of 10",
            "44121708",
            "BX",
            Decimal("12.60"),
            2,
            "Edding",
            {"colour": colour, "pack size": "10"},
        )
    for size, window in product(["C4", "C5", "DL"], ["window", "plain"]):
        yield DemoItem(
            f"BT-ENV-{size}-{window[:1].upper()}",
            f"Envelope {size}, {window}, self-seal, box of 250",
            "44121506",
            "BX",
            Decimal("17.90") if size == "C4" else Decimal("11.40"),
            3,
            "La Couronne",
            {"size": size, "window": window},
        )
    for length in ["28 mm", "33 mm", "50 mm"]:
        yield DemoItem(
            f"BT-CLIP-{length.split()[0]}",
            f"Paper clips {length}, box of 100",
            "44122104",
            "BX",
            Decimal("1.20"),
            2,
            "Maped",
            {"length": length},
        )
    for colour in colours[:4]:
        yield DemoItem(
            f"BT-GEL-{colour[:3].upper()}",
            f"Gel rollerball pen 0.5 mm, {colour}, box of 12",
            "44121701",
            "BX",
            Decimal("14.90"),
            2,
            "Pilot",
            {"colour": colour, "pack size": "12"},
        )
    for colour in ["yellow", "green", "pink", "orange"]:
        yield DemoItem(
            f"BT-HL-{colour[:3].upper()}",
            f"Highlighter, {colour}, box of 10",
            "44121716",
            "BX",
            Decimal("8.50"),
            2,
            "Stabilo",
            {"colour": colour, "pack size": "10"},
        )
    for size, grammage, finish in product(["A4", "A3"], [80, 90, 100], ["white", "recycled"]):
        base = Decimal("4.10") if size == "A4" else Decimal("8.40")
        yield DemoItem(
            f"BT-PAP-{size}-{grammage}-{finish[:3].upper()}",
            f"Copier paper {size} {grammage} g/m², {finish}, ream of 500",
            "14111507",
            "RM",
            base + Decimal(grammage - 80) / 40,
            3,
            "Navigator",
            {"size": size, "grammage": f"{grammage} g", "colour": finish},
        )
    for colour, kind in product(["red", "blue", "yellow", "green", "grey"], ["suspension", "lever arch"]):
        yield DemoItem(
            f"BT-FLD-{kind[:3].upper()}-{colour.upper()}",
            f"{kind.capitalize()} file, {colour}",
            "44122011",
            "EA",
            Decimal("2.35") if kind == "suspension" else Decimal("4.60"),
            3,
            "Esselte",
            {"colour": colour},
        )
    for size in ["A5", "A4"]:
        for ruling in ["lined", "squared", "blank"]:
            yield DemoItem(
                f"BT-NB-{size}-{ruling[:3].upper()}",
                f"Notebook {size}, {ruling}, 96 sheets",
                "14111514",
                "EA",
                Decimal("3.90") if size == "A5" else Decimal("5.40"),
                2,
                "Oxford",
                {"size": size, "ruling": ruling},
            )
    for colour in ["yellow", "pastel mix", "neon mix"]:
        yield DemoItem(
            f"BT-NOTE-{colour[:3].upper()}",
            f"Sticky notes 76×76 mm, {colour}, 12 pads",
            "14111530",
            "PK",
            Decimal("9.80"),
            2,
            "Post-it",
            {"colour": colour, "pack size": "12"},
        )
    for model, colour in product(
        ["HP 305A", "HP 207X", "Brother TN-2420", "Canon 055H", "Lexmark C3220"], ["black", "cyan", "magenta", "yellow"]
    ):
        code = model.split()[-1].replace("-", "")
        yield DemoItem(
            f"BT-TON-{code}-{colour[:1].upper()}",
            f"Toner cartridge {model}, {colour}",
            "44103103",
            "EA",
            Decimal("64.00") + (12 if colour == "black" else 0) + len(model),
            5,
            model.split()[0],
            {"colour": colour, "printer": model},
        )
    yield DemoItem(
        "BT-STP-24", "Stapler for 24/6 staples, 30 sheets", "44121615", "EA", Decimal("11.90"), 2, "Rapid", {}
    )
    yield DemoItem("BT-STA-246", "Staples 24/6, box of 5000", "44122107", "BX", Decimal("2.10"), 2, "Rapid", {})


def _lab_items() -> Iterator[DemoItem]:
    for volume in ["10 µl", "100 µl", "200 µl", "1000 µl", "5 ml"]:
        yield DemoItem(
            f"LS-PIP-{volume.split()[0]}",
            f"Single-channel pipette, adjustable, up to {volume}",
            "41121500",
            "EA",
            Decimal("289.00"),
            10,
            "Eppendorf",
            {"volume": volume},
        )
        for sterile in ["sterile", "non-sterile"]:
            yield DemoItem(
                f"LS-TIP-{volume.split()[0]}-{'S' if sterile == 'sterile' else 'N'}",
                f"Pipette tips {volume}, {sterile}, rack of 96",
                "41121600",
                "PK",
                Decimal("7.40") if sterile == "non-sterile" else Decimal("11.20"),
                4,
                "Eppendorf",
                {"volume": volume, "sterility": sterile},
            )
    for size, material in product(["XS", "S", "M", "L", "XL"], ["nitrile", "latex"]):
        yield DemoItem(
            f"LS-GLV-{material[:3].upper()}-{size}",
            f"Examination gloves, {material}, size {size}, box of 100",
            "42132203",
            "BX",
            Decimal("8.90") if material == "nitrile" else Decimal("6.70"),
            3,
            "Ansell",
            {"size": size, "material": material},
        )
    for volume, material in product(["15 ml", "50 ml"], ["polypropylene", "glass"]):
        yield DemoItem(
            f"LS-TUB-{volume.split()[0]}-{material[:2].upper()}",
            f"Centrifuge tube {volume}, {material}, pack of 50",
            "41121700",
            "PK",
            Decimal("18.50") if material == "glass" else Decimal("12.30"),
            5,
            "Falcon",
            {"volume": volume, "material": material},
        )
    for volume in ["50 ml", "100 ml", "250 ml", "600 ml", "1000 ml"]:
        yield DemoItem(
            f"LS-BKR-{volume.split()[0]}",
            f"Beaker, borosilicate glass, {volume}",
            "41121800",
            "EA",
            Decimal("3.60") + Decimal(int(volume.split()[0])) / 200,
            5,
            "Duran",
            {"volume": volume, "material": "glass"},
        )
    for kind in ["PS macro", "PS semi-micro", "PMMA UV"]:
        yield DemoItem(
            f"LS-CUV-{kind.replace(' ', '-')[:8].upper()}",
            f"Disposable cuvettes, {kind}, pack of 100",
            "41121800",
            "PK",
            Decimal("21.00"),
            4,
            "Brand",
            {"material": kind.split()[0]},
        )
    for grade in ["1", "2", "4", "42"]:
        yield DemoItem(
            f"LS-FLT-{grade}",
            f"Filter paper grade {grade}, 125 mm, pack of 100",
            "41121800",
            "PK",
            Decimal("9.80") + Decimal(grade) / 10,
            4,
            "Whatman",
            {"grade": grade},
        )
    for size in ["S", "M", "L", "XL"]:
        yield DemoItem(
            f"LS-COAT-{size}",
            f"Laboratory coat, cotton, size {size}",
            "46181526",
            "EA",
            Decimal("34.00"),
            7,
            "Dickies",
            {"size": size},
        )
    for kind in ["clear", "tinted", "over-spectacles"]:
        yield DemoItem(
            f"LS-GOG-{kind[:3].upper()}",
            f"Safety glasses, {kind}",
            "46181804",
            "EA",
            Decimal("9.60"),
            3,
            "Uvex",
            {"lens": kind},
        )
    for i, (name, price) in enumerate(
        [
            ("Microcentrifuge tubes 1.5 ml, pack of 500", "14.20"),
            ("Petri dishes 90 mm, sterile, pack of 500", "59.00"),
            ("Cryogenic vials 2 ml, pack of 100", "42.50"),
            ("Serological pipettes 10 ml, pack of 200", "38.00"),
            ("Wash bottle 500 ml, LDPE", "4.80"),
            ("Lab marker, solvent resistant, pack of 10", "16.40"),
            ("Parafilm M, 10 cm × 38 m", "31.00"),
            ("Weighing boats, 100 ml, pack of 500", "27.50"),
        ]
    ):
        yield DemoItem(f"LS-CON-{i + 1:02d}", name, "41122400", "PK", Decimal(price), 4, "LabSource", {})


def _it_items() -> Iterator[DemoItem]:
    for model, ram, storage in product(
        ["Latitude 7450", "ThinkPad T14", "EliteBook 840", "MacBook Air"], [16, 32], [512, 1024]
    ):
        maker = {"Latitude 7450": "Dell", "ThinkPad T14": "Lenovo", "EliteBook 840": "HP", "MacBook Air": "Apple"}[
            model
        ]
        price = Decimal(13900) + (ram - 16) * 150 + (storage - 512) * 4 + len(model) * 37
        yield DemoItem(
            f"NI-NB-{model.split()[-1]}-{ram}-{storage}",
            f"{maker} {model}, {ram} GB RAM, {storage} GB SSD",
            "43211503",
            "EA",
            price,
            10,
            maker,
            {"RAM": f"{ram} GB", "storage": f"{storage} GB"},
        )
    for size, resolution in product(['24"', '27"', '32"'], ["FHD", "QHD", "4K"]):
        price = Decimal(1690) + int(size[:2]) * 40 + {"FHD": 0, "QHD": 900, "4K": 2100}[resolution]
        yield DemoItem(
            f"NI-MON-{size[:2]}-{resolution}",
            f"Monitor {size} {resolution}, IPS, USB-C",
            "43211902",
            "EA",
            price,
            7,
            "Dell",
            {"size": size, "resolution": resolution},
        )
    for layout in ["Swedish", "French AZERTY", "US", "German", "Nordic", "Norwegian", "Danish"]:
        for kind in ["wired", "wireless"]:
            yield DemoItem(
                f"NI-KB-{layout.split()[0].upper()}-{'USB' if kind == 'wired' else 'BT'}",
                f"Keyboard, {layout} layout, {kind}",
                "43211706",
                "EA",
                Decimal(349) if kind == "wired" else Decimal(549),
                5,
                "Logitech",
                {"layout": layout, "connection": kind},
            )
    for kind in ["wired", "wireless", "ergonomic"]:
        yield DemoItem(
            f"NI-MS-{kind.upper()}",
            f"Mouse, {kind}",
            "43211708",
            "EA",
            Decimal({"wired": 199, "wireless": 399, "ergonomic": 899}[kind]),
            5,
            "Logitech",
            {"connection": "wireless" if kind != "wired" else "wired"},
        )
    for model in ["WD19S", "WD22TB4", "UD22"]:
        yield DemoItem(
            f"NI-DOCK-{model}",
            f"Docking station {model}, USB-C",
            "43211602",
            "EA",
            Decimal(2490) + len(model) * 110,
            7,
            "Dell",
            {},
        )
    for resolution in ["1080p", "4K"]:
        yield DemoItem(
            f"NI-CAM-{resolution}",
            f"Webcam {resolution} with privacy shutter",
            "43211714",
            "EA",
            Decimal(690) if resolution == "1080p" else Decimal(1890),
            5,
            "Logitech",
            {"resolution": resolution},
        )
    for capacity in [32, 64, 128, 256]:
        yield DemoItem(
            f"NI-USB-{capacity}",
            f"USB flash drive {capacity} GB, USB 3.2",
            "43202005",
            "EA",
            Decimal(89) + capacity,
            3,
            "SanDisk",
            {"storage": f"{capacity} GB"},
        )
    for kind in ["stereo, wired", "stereo, wireless", "mono, wireless"]:
        yield DemoItem(
            f"NI-HS-{kind.replace(', ', '-').upper()}",
            f"Headset, {kind}, noise cancelling",
            "43211914",
            "EA",
            Decimal(790) + (600 if "wireless" in kind else 0),
            5,
            "Jabra",
            {"connection": kind.split(", ")[1]},
        )
    for length, colour in product(["1 m", "3 m", "5 m"], ["grey", "blue"]):
        yield DemoItem(
            f"NI-CAB-C6-{length.split()[0]}-{colour[:2].upper()}",
            f"Network cable Cat 6, {length}, {colour}",
            "26121609",
            "EA",
            Decimal(39) + int(length.split()[0]) * 6,
            3,
            "Deltaco",
            {"length": length, "colour": colour},
        )
    for ports in [8, 16, 24, 48]:
        yield DemoItem(
            f"NI-SW-{ports}",
            f"Managed network switch, {ports} ports, gigabit",
            "43222612",
            "EA",
            Decimal(1200) + ports * 95,
            10,
            "Cisco",
            {"ports": str(ports)},
        )


SUPPLIERS: list[dict[str, Any]] = [
    {
        "code": "BUROTEC",
        "name": "Burotec Fournitures SARL",
        "currency": "EUR",
        "tax_id": "FR27512345678",
        "contact_name": "Sophie Bernard",
        "contact_email": "commandes@burotec.example",
        "phone": "+33 1 40 00 00 01",
        "address": "12 rue du Faubourg, 69003 Lyon, France",
        "country": "FR",
        "order_method": Supplier.OrderMethod.EMAIL,
        "order_email": "commandes@burotec.example",
        "items": _office_items,
        "prefix": "",
    },
    {
        "code": "LABSOURCE",
        "name": "LabSource GmbH",
        "currency": "EUR",
        "tax_id": "DE123456789",
        "contact_name": "Jonas Weber",
        "contact_email": "orders@labsource.example",
        "phone": "+49 89 1234 5600",
        "address": "Laborstraße 4, 80331 München, Germany",
        "country": "DE",
        # Orders go over cXML to the pretend supplier of `make run` (/cxml/demo-supplier/).
        "order_method": Supplier.OrderMethod.CXML,
        # A path: the seed puts SITE_URL in front when it runs (the served address, `make run PORT=…`).
        "order_url": "/cxml/demo-supplier/",
        "order_from_domain": "DUNS",
        "order_from_identity": "ACME-CATALOG",
        "order_to_domain": "DUNS",
        "order_to_identity": "LABSOURCE",
        "order_sender_domain": "DUNS",
        "order_sender_identity": "ACME-CATALOG",
        "order_shared_secret": "labsource-secret",
        "order_email": "orders@labsource.example",
        "items": _lab_items,
        "prefix": "",
    },
    {
        "code": "NORDIC-IT",
        "name": "Nordic IT Supply AB",
        "currency": "SEK",
        "tax_id": "SE556677889901",
        "contact_name": "Lina Berg",
        "contact_email": "order@nordicit.example",
        "phone": "+46 8 555 010 00",
        "address": "Sveavägen 20, 111 57 Stockholm, Sweden",
        "country": "SE",
        "order_method": Supplier.OrderMethod.NONE,
        "order_email": "",
        "items": _it_items,
        "prefix": "",
    },
]
