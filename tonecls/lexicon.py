"""The project's word lists for finding statements: reporting verbs, official speakers, and the rest.

Kept apart from the rules (tonecls.speech, tonecls.extract) so that adding a verb or an office is a one-line
change. Words are lower case unless they are names.
"""

from __future__ import annotations

import functools

from tonecls.gazetteer import entries


def _forms(lemmas: str) -> frozenset[str]:
    """Regular English forms of each verb (``condemn`` -> condemns, condemned, condemning)."""
    out = set()
    for lemma in lemmas.split():
        if lemma.endswith("e"):
            out |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
        elif lemma.endswith("y") and lemma[-2] not in "aeiou":
            out |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        elif lemma.endswith(("ss", "sh", "ch")):
            out |= {lemma + "es", lemma + "ed", lemma + "ing"}
        else:
            out |= {lemma + "s", lemma + "ed", lemma + "ing"}
        out.add(lemma)
    return frozenset(out)


VERBS = (
    _forms(
        "add note claim condemn denounce urge warn demand accuse reject welcome express vow insist reiterate protest "
        "summon announce call term describe stress emphasize emphasise underline highlight confirm deny allege "
        "contend assert declare agree pledge promise threaten caution criticize criticise deplore decry blame "
        "reaffirm affirm argue clarify assure reassure offer propose appeal request ask reply report inform "
        "acknowledge discuss conclude mention dismiss regret hail praise applaud lament voice complain tweet "
        "suggest observe"
    )
    | frozenset(
        "say says said saying tell tells told telling stated stating write writes wrote writing labelled labelling "
        "admit admits admitted admitting slam slams slammed slamming".split()
    )
) - {"states", "notes", "calls"}  # more often nouns
# Verbs of speech only with what follows them ("notes that", "calls on", "as X put it").
PHRASAL = {
    "made": (("it", "clear"),),
    "makes": (("it", "clear"),),
    "pointed": (("out",),),
    "pointing": (("out",),),
    "notes": (("that",),),
    "states": (("that",),),
    "calls": (("on",), ("upon",), ("for",)),
    "put": (("it",),),
    "puts": (("it",),),
}
OFFICIAL = frozenset(
    "ministry ministries minister ministers office spokesperson spokespersons spokesman spokeswoman spokespeople "
    "government governments president presidency premier ambassador ambassadors envoy envoys diplomat diplomats "
    "military army navy forces force ispr irgc guard guards corps un secretary secretary-general eu council "
    "department embassy consulate statement communique communiqué official officials authorities counterpart "
    "counterparts chancellor cabinet commission committee delegation representative representatives commander "
    "chief king queen emir sultan nato administration leadership nations countries sides kremlin "
    "parliament mfa fo general gen colonel col lieutenant lt maj admiral adm brigadier brig governor gov amb "
    "adviser advisor advisers advisors aide aides negotiator negotiators chairperson chairman chairwoman "
    "commissioner consul chargé attaché service mission command".split()
)
EXCLUDED = frozenset(
    "media agency news newspaper newspapers analysts analyst experts expert observers journalists journalist "
    "critics users reports report writer author scholar scholars sources former ex late opposition "
    "retired researcher researchers professor lecturer fellow activist activists campaigner campaigners "
    "advocacy charity ngo company firm broker brokers insurer insurers resident residents villager villagers "
    "owner owners group groups".split()
)
INNER = frozenset("of for and both two".split())
LINKS = frozenset("of for and".split())  # inside a noun phrase, never at its edge
DETERMINERS = frozenset("the a an his her their its".split())
MODIFIERS = frozenset(
    "caretaker interim acting deputy senior top special federal provincial foreign information interior defence "
    "defense press joint similar local regional national security affairs public relations external home armed air "
    "naval high prime former ex state".split()
)
PRONOUNS = {"he": "person", "she": "person", "they": "plural", "both": "plural"}
SKIP = frozenset(
    "also has have had been was were is are be being did does do not never further again later earlier today once "
    "first then recently previously already still now long only".split()
)
SETTINGS = frozenset("statement briefing conference interview meeting post message letter".split())
MODALS = frozenset("must should would could might may can cannot will shall need needs ought to".split())
# Before a noun phrase, these make it an object or part of a question, not a speaker ("at Iran", "what they said").
PREPOSITIONS = frozenset(
    "at against on in to with from into over about towards toward upon of by for between among like than "
    "what whether how why if".split()
)
SPEECH_NOUNS = frozenset(
    "statement statements threat threats warning warnings remark remarks comment comments condemnation criticism "
    "pledge pledges call calls appeal claim claims accusation accusations demand demands protest announcement "
    "assurance assurances offer declaration denial terms words language".split()
)
DISCOURSE = frozenset(
    "however meanwhile separately additionally finally likewise similarly moreover furthermore conversely "
    "nevertheless nonetheless also but and yet still indeed therefore thus so instead besides notably "
    "undoubtedly accordingly consequently ironically expectedly earlier later".split()
)
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december".split()
)
ORGANISATIONS = {
    ("UN",): "United Nations",
    ("U.N.",): "United Nations",
    ("United", "Nations"): "United Nations",
    ("Security", "Council"): "United Nations",
    ("Secretary", "General"): "United Nations",
    ("EU",): "European Union",
    ("E.U.",): "European Union",
    ("European", "Union"): "European Union",
    ("European", "Commission"): "European Union",
    ("NATO",): "NATO",
    ("African", "Union"): "African Union",
    ("AU",): "African Union",
    ("Arab", "League"): "Arab League",
    ("ASEAN",): "ASEAN",
    ("Association", "of", "Southeast", "Asian", "Nations"): "ASEAN",
    ("ECOWAS",): "ECOWAS",
    ("Economic", "Community", "of", "West", "African", "States"): "ECOWAS",
    ("OAS",): "Organization of American States",
    ("Organization", "of", "American", "States"): "Organization of American States",
    ("OSCE",): "OSCE",
    ("Pentagon",): "United States",
    ("State", "Department"): "United States",
    ("White", "House"): "United States",
    ("Kremlin",): "Russia",
}
# One name per actor: the short forms and acronyms people write for a country, and the seats of government
# that stand for one ("Moscow rejects ...", "the Kremlin said").
_SAME_ACTOR = {
    "United States": "US|U.S.|USA|U.S.A.|United States of America",
    "United Kingdom": "UK|U.K.|Britain|Great Britain|United Kingdom of Great Britain and Northern Ireland",
    "United Arab Emirates": "UAE|U.A.E.",
}
_SEATS = """
Afghanistan: Kabul | Albania: Tirana | Algeria: Algiers | Andorra: Andorra la Vella | Angola: Luanda
Antigua and Barbuda: Saint John's, St John's, St. John's | Argentina: Buenos Aires, Casa Rosada
Armenia: Yerevan | Australia: Canberra | Austria: Vienna | Azerbaijan: Baku | Bahamas: Nassau
Bahrain: Manama | Bangladesh: Dhaka | Barbados: Bridgetown | Belarus: Minsk | Belgium: Brussels
Belize: Belmopan | Benin: Porto-Novo, Cotonou | Bhutan: Thimphu | Bolivia: La Paz, Sucre
Bosnia and Herzegovina: Sarajevo | Botswana: Gaborone
Brazil: Brasilia, Brasília, Itamaraty, Planalto, Palacio do Planalto, Palácio do Planalto
Brunei: Bandar Seri Begawan | Bulgaria: Sofia | Burkina Faso: Ouagadougou | Burundi: Gitega, Bujumbura
Cambodia: Phnom Penh | Cameroon: Yaounde, Yaoundé | Canada: Ottawa, Rideau Hall | Cape Verde: Praia
Central African Republic: Bangui | Chad: N'Djamena, Ndjamena | Chile: Santiago, Santiago de Chile
China: Beijing, Zhongnanhai | Colombia: Bogota, Bogotá | Comoros: Moroni | Congo: Brazzaville
Democratic Republic of the Congo: Kinshasa | Costa Rica: San Jose, San José | Croatia: Zagreb
Cuba: Havana | Cyprus: Nicosia, Lefkosia | Northern Cyprus: Lefkosa, Lefkoşa, North Nicosia
Czech Republic: Prague | Denmark: Copenhagen | Djibouti: Djibouti | Dominica: Roseau
Dominican Republic: Santo Domingo | East Timor: Dili | Ecuador: Quito | Egypt: Cairo, Ittihadiya
El Salvador: San Salvador | Equatorial Guinea: Malabo | Eritrea: Asmara | Estonia: Tallinn
Eswatini: Mbabane, Lobamba | Ethiopia: Addis Ababa | Fiji: Suva | Finland: Helsinki
France: Paris, Elysee, Elysee Palace, Élysée, Élysée Palace, Matignon, Hotel Matignon, Hôtel Matignon, Quai d'Orsay
Gabon: Libreville | Gambia: Banjul | Georgia: Tbilisi | Germany: Berlin, Bundeskanzleramt, Kanzleramt
Ghana: Accra | Greece: Athens | Grenada: Saint George's, St. George's | Guatemala: Guatemala City
Guinea: Conakry | Guinea-Bissau: Bissau | Guyana: Georgetown | Haiti: Port-au-Prince | Honduras: Tegucigalpa
Hungary: Budapest | Iceland: Reykjavik, Reykjavík | India: New Delhi, South Block, Raisina Hill, Rashtrapati Bhavan
Indonesia: Jakarta, Nusantara | Iran: Tehran, Teheran | Iraq: Baghdad | Ireland: Dublin | Israel: Jerusalem
Italy: Rome, Palazzo Chigi, Quirinale | Ivory Coast: Yamoussoukro, Abidjan | Jamaica: Kingston
Japan: Tokyo, Kantei, Kasumigaseki | Jordan: Amman | Kazakhstan: Astana, Nur-Sultan, Ak Orda | Kenya: Nairobi
Kiribati: Tarawa, South Tarawa | Kosovo: Pristina, Prishtina | Kuwait: Kuwait City | Kyrgyzstan: Bishkek
Laos: Vientiane | Latvia: Riga | Lebanon: Beirut, Baabda, Grand Serail | Lesotho: Maseru | Liberia: Monrovia
Libya: Tripoli | Liechtenstein: Vaduz | Lithuania: Vilnius | Luxembourg: Luxembourg City | Madagascar: Antananarivo
Malawi: Lilongwe | Malaysia: Kuala Lumpur, Putrajaya | Maldives: Malé | Mali: Bamako | Malta: Valletta
Marshall Islands: Majuro | Mauritania: Nouakchott | Mauritius: Port Louis | Mexico: Mexico City, Los Pinos
Micronesia: Palikir | Moldova: Chisinau, Chișinău | Mongolia: Ulaanbaatar, Ulan Bator | Montenegro: Podgorica
Morocco: Rabat | Mozambique: Maputo | Myanmar: Naypyidaw, Nay Pyi Taw, Naypyitaw | Namibia: Windhoek
Nauru: Yaren | Nepal: Kathmandu | Netherlands: Amsterdam, The Hague | New Zealand: Wellington
Nicaragua: Managua | Niger: Niamey | Nigeria: Abuja | North Korea: Pyongyang | North Macedonia: Skopje
Norway: Oslo | Oman: Muscat | Pakistan: Islamabad, Aiwan-e-Sadr | Palau: Ngerulmud
Palestine: Ramallah, East Jerusalem, Al-Quds | Panama: Panama City | Papua New Guinea: Port Moresby
Paraguay: Asuncion, Asunción | Peru: Lima | Philippines: Manila | Poland: Warsaw | Portugal: Lisbon
Qatar: Doha | Romania: Bucharest | Russia: Moscow, Kremlin, The Kremlin, Smolenskaya Square | Rwanda: Kigali
Saint Kitts and Nevis: Basseterre | Saint Lucia: Castries | Saint Vincent and the Grenadines: Kingstown
Samoa: Apia | San Marino: City of San Marino | Sao Tome and Principe: Sao Tome, São Tomé
Saudi Arabia: Riyadh, Al-Yamamah Palace | Senegal: Dakar | Serbia: Belgrade | Seychelles: Victoria
Sierra Leone: Freetown | Singapore: Singapore | Slovakia: Bratislava | Slovenia: Ljubljana
Solomon Islands: Honiara | Somalia: Mogadishu | Somaliland: Hargeisa
South Africa: Pretoria, Tshwane, Cape Town, Bloemfontein | South Korea: Seoul, Blue House, Cheong Wa Dae, Yongsan
South Sudan: Juba | Spain: Madrid, Moncloa, La Moncloa | Sri Lanka: Colombo, Kotte, Sri Jayawardenepura Kotte
Sudan: Khartoum | Suriname: Paramaribo | Sweden: Stockholm | Switzerland: Bern, Berne | Syria: Damascus
Taiwan: Taipei | Tajikistan: Dushanbe | Tanzania: Dodoma, Dar es Salaam | Thailand: Bangkok | Togo: Lome, Lomé
Tonga: Nuku'alofa | Trinidad and Tobago: Port of Spain, Port-of-Spain | Tunisia: Tunis
Turkey: Ankara, Bestepe, Beştepe, Cankaya, Çankaya | Turkmenistan: Ashgabat, Ashkhabad | Tuvalu: Funafuti
Uganda: Kampala | Ukraine: Kyiv, Kiev, Bankova | United Arab Emirates: Abu Dhabi
United Kingdom: London, Downing Street, 10 Downing Street, Number 10
United States: Washington, Washington D.C., Washington DC, White House, Foggy Bottom, Capitol Hill
Uruguay: Montevideo | Uzbekistan: Tashkent | Vanuatu: Port Vila | Venezuela: Caracas, Miraflores, Miraflores Palace
Vietnam: Hanoi | Western Sahara: Laayoune, El Aaiun, El Aaiún, Tifariti | Yemen: Sanaa, Sana'a
Zambia: Lusaka | Zimbabwe: Harare | Abkhazia: Sokhumi, Sukhum, Sukhumi | South Ossetia: Tskhinvali
Transnistria: Tiraspol
"""


def _actor_names() -> dict[str, str]:
    """Every other name of an actor (a short form, an acronym, a seat of government) to its one name."""
    out = {form: actor for actor, forms in _SAME_ACTOR.items() for form in forms.split("|")}
    out["Washington, D.C."] = "United States"
    for entry in _SEATS.replace("\n", " | ").split(" | "):
        if entry.strip():
            actor, seats = entry.split(":", 1)
            out |= {seat.strip(): actor.strip() for seat in seats.split(",")}
    return out


ACTOR_NAMES = _actor_names()


def actor_name(name: str) -> str:
    """The one name of an actor: "U.S." and "Washington" are "United States", "Moscow" is "Russia"."""
    return ACTOR_NAMES.get(name, name)


CLOSED = DISCOURSE | CALENDAR | PREPOSITIONS | DETERMINERS | frozenset(PRONOUNS) | {"this", "these", "that", "it"}
TITLES = frozenset("mr mrs ms dr prof gen lt col maj capt cmdr adm brig sgt gov sen rep pres amb hon rt".split())
BE = frozenset("is are was were be been being".split())
NOT_ADVERBS = frozenset("ally family reply supply rally assembly italy july".split())
PERSONS = frozenset(
    "minister spokesperson spokesman spokeswoman ambassador envoy president premier secretary diplomat official "
    "chancellor king queen emir sultan representative counterpart commander chief".split()
)
PLURAL = frozenset("both the two sides countries nations governments".split())
# People who are not officials, as the subject of a sentence: a later "he" or "she" is them, not an official.
PEOPLE = frozenset(
    "captain teacher farmer fisherman resident villager headmaster headmistress worker student driver doctor "
    "witness owner manager journalist correspondent analyst expert researcher professor scholar activist "
    "shopkeeper mother father man woman".split()
)


@functools.cache
def gazetteer() -> tuple[dict[tuple[str, ...], str], tuple[str, ...]]:
    """Name (as words) to category, and the country names, from the project's gazetteer.

    A dotted acronym is one word here ("U.S.", as tonecls.speech reads it), besides its letters and stops.
    """
    names = {words: category for category, _, words in entries()}
    names |= {joined: category for words, category in list(names.items()) if (joined := join_acronyms(words)) != words}
    countries = tuple(name for category, name, _ in entries() if category == "country")
    return names, countries


def join_acronyms(words: tuple[str, ...]) -> tuple[str, ...]:
    """("U", ".", "S", ".", "envoy") -> ("U.S.", "envoy"): single capitals each followed by a stop are one word."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and len(words[j]) == 1 and words[j].isupper() and words[j + 1] == ".":
            j += 2
        if j - i >= 4:
            out.append("".join(words[i:j]))
            i = j
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


_IRREGULAR = {
    "Danish": "Denmark",
    "Dutch": "Netherlands",
    "French": "France",
    "British": "United Kingdom",
    "Swiss": "Switzerland",
    "Greek": "Greece",
    "Swedish": "Sweden",
    "Spanish": "Spain",
    "Finnish": "Finland",
    "Polish": "Poland",
    "Irish": "Ireland",
    "Filipino": "Philippines",
    "Saudi": "Saudi Arabia",
    "Emirati": "United Arab Emirates",
    "Afghan": "Afghanistan",
    "Uzbek": "Uzbekistan",
    "Kazakh": "Kazakhstan",
    "Kyrgyz": "Kyrgyzstan",
    "Tajik": "Tajikistan",
    "Turkmen": "Turkmenistan",
}
_SUFFIXES = frozenset("n an ian ean ese i ish ic er e ine egian ien ite iot ois vian nian uese".split()) | {""}


@functools.cache
def country_of(demonym: str) -> str | None:
    """The country a nationality names: "Iranian" -> "Iran", "Chinese" -> "China", else None.

    The country's name, less at most two final letters, must begin the nationality, and what follows must be
    a usual ending ("-ian", "-ese", "-i"); a plural "s" is dropped first.
    """
    word = demonym if demonym in _IRREGULAR else demonym.removesuffix("s")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    best, score = None, (0, 0)
    for country in gazetteer()[1]:
        n = 0
        while n < min(len(country), len(word)) and country[n] == word[n]:
            n += 1
        if n >= 4 and len(country) - n <= 2 and word[n:] in _SUFFIXES and (n, n - len(country)) > score:
            best, score = country, (n, n - len(country))
    return best
