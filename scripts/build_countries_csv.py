"""Build profiles/data/countries.csv from pycountry plus the Monitor's own naming.

Run once by hand when the list needs refreshing, then review the diff and commit the CSV:

    .venv/bin/python scripts/build_countries_csv.py

The CSV, not this script, is what the migrations read, so that loading countries never depends
on the pycountry version installed.
"""

import csv
import sys
from pathlib import Path

import pycountry
from django.utils.text import slugify

OUTPUT = Path(__file__).resolve().parent.parent / "profiles" / "data" / "countries.csv"
COLUMNS = [
    "name",
    "official_name",
    "slug",
    "iso3",
    "region",
    "is_other_area",
    "alternative_names",
]

AFRICA = "africa"
AMERICAS = "americas"
ASIA_PACIFIC = "asia-pacific"
EUROPE = "europe-central-asia"
MENA = "middle-east-north-africa"

# The Monitor's regional grouping. Sudan, Somalia, Djibouti, Comoros and Mauritania are reported
# under Africa; Turkey, Cyprus and the Caucasus under Europe; Afghanistan under Asia-Pacific.
# Dependent territories follow the UN M49 geographic regions. Antarctica has no region.
REGIONS = {
    AFRICA: """
        AGO BDI BEN BFA BWA CAF CIV CMR COD COG COM CPV DJI ERI ETH GAB GHA GIN GMB GNB GNQ
        KEN LBR LSO MDG MLI MOZ MRT MUS MWI NAM NER NGA RWA SDN SEN SLE SOM SSD STP SWZ SYC
        TCD TGO TZA UGA ZAF ZMB ZWE
        ATF IOT MYT REU SHN
    """,
    AMERICAS: """
        ARG ATG BHS BLZ BOL BRA BRB CAN CHL COL CRI CUB DMA DOM ECU GRD GTM GUY HND HTI JAM
        KNA LCA MEX NIC PAN PER PRY SLV SUR TTO URY USA VCT VEN
        ABW AIA BES BLM BMU BVT CUW CYM FLK GLP GRL GUF MAF MSR MTQ PRI SGS SPM SXM TCA VGB
        VIR
    """,
    ASIA_PACIFIC: """
        AFG AUS BGD BRN BTN CHN FJI FSM IDN IND JPN KHM KIR KOR LAO LKA MDV MHL MMR MNG MYS
        NPL NRU NZL PAK PHL PLW PNG PRK SGP SLB THA TLS TON TUV TWN VNM VUT WSM
        ASM CCK COK CXR GUM HKG HMD MAC MNP NCL NFK NIU PCN PYF TKL UMI WLF
    """,
    EUROPE: """
        ALB AND ARM AUT AZE BEL BGR BIH BLR CHE CYP CZE DEU DNK ESP EST FIN FRA GBR GEO GRC
        HRV HUN IRL ISL ITA KAZ KGZ LIE LTU LUX LVA MCO MDA MKD MLT MNE NLD NOR POL PRT ROU
        RUS SMR SRB SVK SVN SWE TJK TKM TUR UKR UZB VAT
        ALA FRO GGY GIB IMN JEY SJM
    """,
    MENA: """
        ARE BHR DZA EGY ESH IRN IRQ ISR JOR KWT LBN LBY MAR OMN PSE QAT SAU SYR TUN YEM
    """,
}
NO_REGION = {"ATA"}

# Areas the Monitor reports on that are not internationally recognised states. Those with an
# ISO code keep it; the others (Kosovo's XKX is only user-assigned) have none.
OTHER_AREAS_WITH_CODE = {"PSE", "TWN", "ESH"}
OTHER_AREAS = [
    {
        "name": "Abkhazia",
        "region": EUROPE,
        "alternative_names": ["Republic of Abkhazia"],
    },
    {
        "name": "Kosovo",
        "region": EUROPE,
        "alternative_names": ["Republic of Kosovo", "Kosova"],
    },
    {
        "name": "Nagorno-Karabakh",
        "region": EUROPE,
        "alternative_names": ["Nagorno Karabakh", "Artsakh", "Republic of Artsakh"],
    },
    {
        "name": "Somaliland",
        "region": AFRICA,
        "alternative_names": ["Republic of Somaliland"],
    },
]

# Names as the Monitor writes them, where pycountry's short name is an ISO-style or long form.
# Each entry: alpha-3 -> (name, official name or None to keep pycountry's, extra alternatives).
OVERRIDES = {
    "BOL": ("Bolivia", None, []),
    "BRN": ("Brunei", "Brunei Darussalam", []),
    "CIV": ("Côte d'Ivoire", None, ["Ivory Coast", "Côte d’Ivoire", "Cote d'Ivoire"]),
    "COD": (
        "Democratic Republic of the Congo",
        "Democratic Republic of the Congo",
        ["DR Congo", "DRC", "Congo, DR", "Congo, Democratic Republic of the", "Congo-Kinshasa"],
    ),
    "COG": (
        "Republic of the Congo",
        None,
        ["Congo", "Congo, Republic of", "Congo, Republic of the", "Congo-Brazzaville"],
    ),
    "CPV": ("Cape Verde", "Republic of Cabo Verde", ["Cabo Verde", "Republic of Cape Verde"]),
    "CZE": ("Czech Republic", None, ["Czechia"]),
    "FLK": (
        "Falkland Islands",
        None,
        ["Falkland Islands/Malvinas", "Malvinas", "Islas Malvinas"],
    ),
    "FSM": ("Micronesia", None, []),
    "GBR": ("United Kingdom", None, ["UK", "Great Britain", "Britain"]),
    "GMB": ("Gambia", None, ["The Gambia"]),
    "HKG": ("Hong Kong", None, ["Hong Kong SAR"]),
    "IOT": ("British Indian Ocean Territory", None, ["Chagos Islands"]),
    "IRN": ("Iran", None, []),
    "KGZ": ("Kyrgyzstan", None, ["Kyrgyz Republic"]),
    "KNA": ("Saint Kitts and Nevis", None, ["St Kitts and Nevis"]),
    "KOR": (
        "South Korea",
        "Republic of Korea",
        ["Korea, South", "Korea, Republic of", "Republic of Korea"],
    ),
    "LAO": (
        "Lao PDR",
        "Lao People's Democratic Republic",
        ["Laos", "Lao People's Democratic Republic"],
    ),
    "LBY": ("Libya", "State of Libya", []),
    "LCA": ("Saint Lucia", None, ["St Lucia"]),
    "MAC": ("Macao", None, ["Macau"]),
    "MAF": ("Saint Martin", None, []),
    "MDA": ("Moldova", None, []),
    "MKD": (
        "North Macedonia",
        None,
        [
            "Macedonia",
            "Macedonia, FYR",
            "Former Yugoslav Republic of Macedonia",
            "FYR Macedonia",
            "FYROM",
        ],
    ),
    "MMR": ("Myanmar", None, ["Burma"]),
    "PCN": ("Pitcairn Islands", None, []),
    "PRK": (
        "North Korea",
        "Democratic People's Republic of Korea",
        ["Korea, North", "Korea, Democratic People's Republic of", "DPRK"],
    ),
    "PSE": (
        "Palestine",
        "",
        [
            "Palestine, State of",
            "State of Palestine",
            "Palestinian Territories",
            "Occupied Palestinian Territories",
        ],
    ),
    "RUS": ("Russia", "Russian Federation", []),
    "STP": ("São Tomé and Príncipe", None, []),
    "SWZ": ("Eswatini", None, ["Swaziland", "Kingdom of Swaziland"]),
    "SXM": ("Sint Maarten", None, []),
    "SYR": ("Syria", "Syrian Arab Republic", []),
    "TLS": ("Timor-Leste", None, ["East Timor"]),
    "TUR": ("Turkey", None, ["Türkiye", "Republic of Turkey"]),
    # The Monitor writes "Taiwan"; the ISO long form is kept only as an alternative.
    "TWN": ("Taiwan", "", []),
    "TZA": ("Tanzania", None, []),
    "UMI": ("United States Minor Outlying Islands", None, []),
    "USA": ("United States", None, ["USA", "US", "United States of America"]),
    "VAT": ("Holy See", "", ["Vatican", "Vatican City", "Vatican City State"]),
    "VCT": ("Saint Vincent and the Grenadines", None, ["St Vincent and the Grenadines"]),
    "VEN": ("Venezuela", None, []),
    "VGB": ("British Virgin Islands", None, []),
    "VIR": ("United States Virgin Islands", None, ["US Virgin Islands"]),
    "VNM": ("Vietnam", None, ["Viet Nam"]),
    "ESH": ("Western Sahara", "", ["Sahrawi Arab Democratic Republic"]),
}

# Common variants that are not ISO names, added as alternatives.
EXTRA_ALTERNATIVES = {
    "ARE": ["UAE"],
    "BES": ["Caribbean Netherlands"],
    "BHS": ["The Bahamas"],
    "BIH": ["Bosnia-Herzegovina", "Bosnia"],
    "CAF": ["CAR"],
    "CHN": ["PRC"],
    "IRL": ["Republic of Ireland"],
    "NLD": ["The Netherlands", "Holland"],
    "SDN": ["The Sudan"],
    "SHN": ["Saint Helena", "St Helena"],
}


def strip_the(name: str) -> str:
    """Drop a lower-case leading "the " that pycountry puts on some official names."""
    return name[4:] if name.startswith("the ") else name


def region_of(iso3: str) -> str:
    for region, codes in REGIONS.items():
        if iso3 in codes.split():
            return region
    if iso3 in NO_REGION:
        return ""
    raise SystemExit(f"No region for {iso3}")


def unique(names, *, exclude):
    seen = {name.casefold() for name in exclude if name}
    result = []
    for name in names:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


def rows():
    for country in pycountry.countries:
        iso3 = country.alpha_3
        iso_name = country.name
        common_name = getattr(country, "common_name", "")
        official_name = strip_the(getattr(country, "official_name", ""))
        name = common_name or iso_name
        alternatives = []
        if iso3 in OVERRIDES:
            name, official_override, alternatives = OVERRIDES[iso3]
            if official_override is not None:
                official_name = official_override
        if official_name == name:
            official_name = ""
        candidates = [
            *alternatives,
            iso_name,
            common_name,
            strip_the(getattr(country, "official_name", "")),
            *EXTRA_ALTERNATIVES.get(iso3, []),
        ]
        yield {
            "name": name,
            "official_name": official_name,
            "iso3": iso3,
            "region": region_of(iso3),
            "is_other_area": iso3 in OTHER_AREAS_WITH_CODE,
            "alternative_names": unique(candidates, exclude=[name, official_name]),
        }
    for area in OTHER_AREAS:
        yield {
            "official_name": "",
            "iso3": "",
            "is_other_area": True,
            **area,
        }


def main():
    assigned = [code for codes in REGIONS.values() for code in codes.split()]
    duplicates = {code for code in assigned if assigned.count(code) > 1}
    if duplicates:
        raise SystemExit(f"Codes in more than one region: {sorted(duplicates)}")
    unknown = set(assigned) - {country.alpha_3 for country in pycountry.countries}
    if unknown:
        raise SystemExit(f"Unknown codes: {sorted(unknown)}")

    records = sorted(rows(), key=lambda row: slugify(row["name"]))
    slugs = [slugify(row["name"]) for row in records]
    if len(set(slugs)) != len(slugs):
        raise SystemExit("Slugs are not unique")

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row, slug in zip(records, slugs, strict=True):
            if any("|" in name for name in row["alternative_names"]):
                raise SystemExit(f"A name of {row['name']} contains the separator |")
            writer.writerow(
                {
                    **row,
                    "slug": slug,
                    "is_other_area": "true" if row["is_other_area"] else "false",
                    "alternative_names": "|".join(row["alternative_names"]),
                }
            )
    print(f"Wrote {len(records)} rows to {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
