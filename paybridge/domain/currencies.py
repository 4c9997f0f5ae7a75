"""Supported currencies and their minor-unit exponents.

An amount is stored as an integer count of minor units; the exponent says how many decimal places the
major unit has (USD 2: 10050 -> 100.50; JPY 0: 500 -> 500; KWD 3: 1500 -> 1.500).

Source: ISO 4217 "List One: Current Currency & Funds" as published by the maintenance agency (SIX)
with Pblshd="2026-01-01", i.e. up to and including Amendment 180. Relative to the 2024-06-25 list that
means: + XCG and - ANG (Amd 176, Caribbean Guilder from 2025-03-31), ZWG already present and ZWL gone
(Amd 177), - CUC (Amd 178), + XAD (Amd 179), - BGN (Amd 180, Bulgaria joined the euro 2026-01-01).
Exponents are the list's "Minor unit" column verbatim, even where display practice differs (Unicode
CLDR formats e.g. IDR, HUF, MGA and IQD with no decimals; ISO gives them 2, 2, 2 and 3).

Inclusion/exclusion rules for ISO_4217_EXPONENTS:
- Every distinct alphabetic code in List One whose minor unit is a number, fund/accounting units included
  (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XAD).
- Excluded: codes whose minor unit is "N.A." -- precious metals (XAU, XAG, XPT, XPD), XDR, XSU, XUA,
  bond-market units (XBA, XBB, XBC, XBD), the testing code XTS and the no-currency code XXX.
- Excluded: withdrawn codes (List Three), e.g. ANG, BGN, BYR, CUC, HRK, LTL, LVL, MRO, SLL, STD, VEF,
  ZWL.

CRYPTO_EXPONENTS holds a few NON-ISO crypto assets (ISO 4217 does not cover them); their codes are the
market tickers and their exponents are the assets' on-chain base units.

Names are the English currency names from the same ISO list (ISO spelling, e.g. "Yen", "Pound
Sterling"; ASCII apostrophe in "Pa'anga"); the crypto names are the assets' usual names.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CRYPTO_EXPONENTS",
    "CURRENCY_NAMES",
    "ISO_4217_EXPONENTS",
    "SUPPORTED_CURRENCIES",
    "exponent_of",
]

# (code, minor-unit exponent, English name), sorted by code. ISO 4217 List One, 2026-01-01 edition.
# fmt: off
_ISO_4217: tuple[tuple[str, int, str], ...] = (
    ("AED", 2, "UAE Dirham"), ("AFN", 2, "Afghani"), ("ALL", 2, "Lek"), ("AMD", 2, "Armenian Dram"),
    ("AOA", 2, "Kwanza"), ("ARS", 2, "Argentine Peso"), ("AUD", 2, "Australian Dollar"),
    ("AWG", 2, "Aruban Florin"), ("AZN", 2, "Azerbaijan Manat"), ("BAM", 2, "Convertible Mark"),
    ("BBD", 2, "Barbados Dollar"), ("BDT", 2, "Taka"), ("BHD", 3, "Bahraini Dinar"),
    ("BIF", 0, "Burundi Franc"), ("BMD", 2, "Bermudian Dollar"), ("BND", 2, "Brunei Dollar"),
    ("BOB", 2, "Boliviano"), ("BOV", 2, "Mvdol"), ("BRL", 2, "Brazilian Real"),
    ("BSD", 2, "Bahamian Dollar"), ("BTN", 2, "Ngultrum"), ("BWP", 2, "Pula"),
    ("BYN", 2, "Belarusian Ruble"), ("BZD", 2, "Belize Dollar"), ("CAD", 2, "Canadian Dollar"),
    ("CDF", 2, "Congolese Franc"), ("CHE", 2, "WIR Euro"), ("CHF", 2, "Swiss Franc"),
    ("CHW", 2, "WIR Franc"), ("CLF", 4, "Unidad de Fomento"), ("CLP", 0, "Chilean Peso"),
    ("CNY", 2, "Yuan Renminbi"), ("COP", 2, "Colombian Peso"), ("COU", 2, "Unidad de Valor Real"),
    ("CRC", 2, "Costa Rican Colon"), ("CUP", 2, "Cuban Peso"), ("CVE", 2, "Cabo Verde Escudo"),
    ("CZK", 2, "Czech Koruna"), ("DJF", 0, "Djibouti Franc"), ("DKK", 2, "Danish Krone"),
    ("DOP", 2, "Dominican Peso"), ("DZD", 2, "Algerian Dinar"), ("EGP", 2, "Egyptian Pound"),
    ("ERN", 2, "Nakfa"), ("ETB", 2, "Ethiopian Birr"), ("EUR", 2, "Euro"), ("FJD", 2, "Fiji Dollar"),
    ("FKP", 2, "Falkland Islands Pound"), ("GBP", 2, "Pound Sterling"), ("GEL", 2, "Lari"),
    ("GHS", 2, "Ghana Cedi"), ("GIP", 2, "Gibraltar Pound"), ("GMD", 2, "Dalasi"),
    ("GNF", 0, "Guinean Franc"), ("GTQ", 2, "Quetzal"), ("GYD", 2, "Guyana Dollar"),
    ("HKD", 2, "Hong Kong Dollar"), ("HNL", 2, "Lempira"), ("HTG", 2, "Gourde"), ("HUF", 2, "Forint"),
    ("IDR", 2, "Rupiah"), ("ILS", 2, "New Israeli Sheqel"), ("INR", 2, "Indian Rupee"),
    ("IQD", 3, "Iraqi Dinar"), ("IRR", 2, "Iranian Rial"), ("ISK", 0, "Iceland Krona"),
    ("JMD", 2, "Jamaican Dollar"), ("JOD", 3, "Jordanian Dinar"), ("JPY", 0, "Yen"),
    ("KES", 2, "Kenyan Shilling"), ("KGS", 2, "Som"), ("KHR", 2, "Riel"), ("KMF", 0, "Comorian Franc"),
    ("KPW", 2, "North Korean Won"), ("KRW", 0, "Won"), ("KWD", 3, "Kuwaiti Dinar"),
    ("KYD", 2, "Cayman Islands Dollar"), ("KZT", 2, "Tenge"), ("LAK", 2, "Lao Kip"),
    ("LBP", 2, "Lebanese Pound"), ("LKR", 2, "Sri Lanka Rupee"), ("LRD", 2, "Liberian Dollar"),
    ("LSL", 2, "Loti"), ("LYD", 3, "Libyan Dinar"), ("MAD", 2, "Moroccan Dirham"),
    ("MDL", 2, "Moldovan Leu"), ("MGA", 2, "Malagasy Ariary"), ("MKD", 2, "Denar"), ("MMK", 2, "Kyat"),
    ("MNT", 2, "Tugrik"), ("MOP", 2, "Pataca"), ("MRU", 2, "Ouguiya"), ("MUR", 2, "Mauritius Rupee"),
    ("MVR", 2, "Rufiyaa"), ("MWK", 2, "Malawi Kwacha"), ("MXN", 2, "Mexican Peso"),
    ("MXV", 2, "Mexican Unidad de Inversion (UDI)"), ("MYR", 2, "Malaysian Ringgit"),
    ("MZN", 2, "Mozambique Metical"), ("NAD", 2, "Namibia Dollar"), ("NGN", 2, "Naira"),
    ("NIO", 2, "Cordoba Oro"), ("NOK", 2, "Norwegian Krone"), ("NPR", 2, "Nepalese Rupee"),
    ("NZD", 2, "New Zealand Dollar"), ("OMR", 3, "Rial Omani"), ("PAB", 2, "Balboa"), ("PEN", 2, "Sol"),
    ("PGK", 2, "Kina"), ("PHP", 2, "Philippine Peso"), ("PKR", 2, "Pakistan Rupee"), ("PLN", 2, "Zloty"),
    ("PYG", 0, "Guarani"), ("QAR", 2, "Qatari Rial"), ("RON", 2, "Romanian Leu"),
    ("RSD", 2, "Serbian Dinar"), ("RUB", 2, "Russian Ruble"), ("RWF", 0, "Rwanda Franc"),
    ("SAR", 2, "Saudi Riyal"), ("SBD", 2, "Solomon Islands Dollar"), ("SCR", 2, "Seychelles Rupee"),
    ("SDG", 2, "Sudanese Pound"), ("SEK", 2, "Swedish Krona"), ("SGD", 2, "Singapore Dollar"),
    ("SHP", 2, "Saint Helena Pound"), ("SLE", 2, "Leone"), ("SOS", 2, "Somali Shilling"),
    ("SRD", 2, "Surinam Dollar"), ("SSP", 2, "South Sudanese Pound"), ("STN", 2, "Dobra"),
    ("SVC", 2, "El Salvador Colon"), ("SYP", 2, "Syrian Pound"), ("SZL", 2, "Lilangeni"),
    ("THB", 2, "Baht"), ("TJS", 2, "Somoni"), ("TMT", 2, "Turkmenistan New Manat"),
    ("TND", 3, "Tunisian Dinar"), ("TOP", 2, "Pa'anga"), ("TRY", 2, "Turkish Lira"),
    ("TTD", 2, "Trinidad and Tobago Dollar"), ("TWD", 2, "New Taiwan Dollar"),
    ("TZS", 2, "Tanzanian Shilling"), ("UAH", 2, "Hryvnia"), ("UGX", 0, "Uganda Shilling"),
    ("USD", 2, "US Dollar"), ("USN", 2, "US Dollar (Next day)"),
    ("UYI", 0, "Uruguay Peso en Unidades Indexadas (UI)"), ("UYU", 2, "Peso Uruguayo"),
    ("UYW", 4, "Unidad Previsional"), ("UZS", 2, "Uzbekistan Sum"),
    # ISO names both Venezuelan codes "Bolívar Soberano"; VED is the digital bolívar (2021 redenomination).
    ("VED", 2, "Bolívar Soberano"), ("VES", 2, "Bolívar Soberano"), ("VND", 0, "Dong"), ("VUV", 0, "Vatu"),
    ("WST", 2, "Tala"), ("XAD", 2, "Arab Accounting Dinar"), ("XAF", 0, "CFA Franc BEAC"),
    ("XCD", 2, "East Caribbean Dollar"), ("XCG", 2, "Caribbean Guilder"), ("XOF", 0, "CFA Franc BCEAO"),
    ("XPF", 0, "CFP Franc"), ("YER", 2, "Yemeni Rial"), ("ZAR", 2, "Rand"), ("ZMW", 2, "Zambian Kwacha"),
    ("ZWG", 2, "Zimbabwe Gold"),
)

# NON-ISO crypto assets. Exponent = decimals of the asset's smallest on-chain unit:
# BTC 8 (1 BTC = 10^8 satoshi), ETH 18 (1 ETH = 10^18 wei), USDT 6 and USDC 6 (ERC-20 token decimals).
_CRYPTO: tuple[tuple[str, int, str], ...] = (
    ("BTC", 8, "Bitcoin"), ("ETH", 18, "Ether"), ("USDT", 6, "Tether USD"), ("USDC", 6, "USD Coin"),
)
# fmt: on

ISO_4217_EXPONENTS: Mapping[str, int] = MappingProxyType({code: exp for code, exp, _ in _ISO_4217})
CRYPTO_EXPONENTS: Mapping[str, int] = MappingProxyType({code: exp for code, exp, _ in _CRYPTO})
SUPPORTED_CURRENCIES: Mapping[str, int] = MappingProxyType({**ISO_4217_EXPONENTS, **CRYPTO_EXPONENTS})
CURRENCY_NAMES: Mapping[str, str] = MappingProxyType({code: name for code, _, name in (*_ISO_4217, *_CRYPTO)})

if len(SUPPORTED_CURRENCIES) != len(_ISO_4217) + len(_CRYPTO):  # pragma: no cover - table integrity
    raise RuntimeError("currency table has a duplicate code or an ISO/crypto code collision")


def exponent_of(code: str) -> int | None:
    """The minor-unit exponent of `code`, or None when unsupported. Exact, case-sensitive match."""
    return SUPPORTED_CURRENCIES.get(code)
