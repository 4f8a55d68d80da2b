"""Recall in every language the issue names (zh, ja, ko, es, pt, fr, de, ru, ar) beside
English: 15 short articles and 15 queries per language, written here, each query a word
that its article holds in another form (an inflection, a particle or article attached,
a word inside a run of Chinese or Japanese without spaces); recall@10 is the share of
queries whose article is among the first 10 results of the default search. Also each
language's index size and build time, for the same articles repeated 20 times, with
English's in the same run as the reference.

    .venv/bin/python bench/eval_languages.py [--repeat 20]

No language is declared: the indexer finds it (py3langid) as it does for a corpus
without metadata. Run from another checkout's tree to get that code's figures."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT)]

from search.backends.whoosh.engine import WhooshBackend  # noqa: E402
from search.core.request import SearchRequest  # noqa: E402

# language -> (text around the word, [(query, form in the article)])
LANGUAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "en": ("Reporters in the capital said on Monday that {w} was the main subject of the debate, and "
           "officials expect more news from the ministry later this week after the meeting.",
           [("election", "elections"), ("city", "cities"), ("government", "governments"), ("worker", "workers"),
            ("university", "universities"), ("hospital", "hospitals"), ("company", "companies"),
            ("treaty", "treaties"), ("strike", "strikes"), ("fire", "fires"), ("vaccine", "vaccines"),
            ("minister", "ministers"), ("party", "parties"), ("province", "provinces"), ("law", "laws")]),
    "zh": ("记者周一在首都报道，{w}成为今天辩论的主要话题，官员预计本周晚些时候会议之后将有更多消息。",
           [(w, w) for w in ("人工智能", "气候变化", "经济增长", "选举结果", "足球比赛", "疫苗接种", "股票市场",
                             "高速铁路", "教育改革", "能源危机", "房地产", "新能源汽车", "空气污染", "外交部长",
                             "医疗保险")]),
    "ja": ("首都の記者によると、{w}が今日の議論の主な話題となり、政府は会合の後で今週さらに発表する見込みだ。",
           [(w, w) for w in ("人工知能", "気候変動", "経済成長", "選挙結果", "地震", "新幹線", "株式市場", "少子化",
                             "円安", "観光客", "原子力発電", "台風", "消費税", "首相", "ワクチン")]),
    "ko": ("수도의 기자들은 월요일 {w} 오늘 토론의 주요 주제였다고 말했으며 정부는 이번 주 회의 후 더 많은 소식을 발표할 예정이다.",
           [("선거", "선거가"), ("경제", "경제는"), ("대통령", "대통령이"), ("지진", "지진으로"), ("축구", "축구를"),
            ("주식", "주식시장이"), ("환율", "환율이"), ("태풍", "태풍이"), ("백신", "백신을"), ("부동산", "부동산은"),
            ("기후", "기후변화가"), ("교육", "교육부가"), ("반도체", "반도체가"), ("관광", "관광객이"),
            ("전기차", "전기차가")]),
    "es": ("Los periodistas de la capital dijeron el lunes que {w} fueron el tema principal del debate, y los "
           "funcionarios esperan más noticias del ministerio esta semana después de la reunión.",
           [("elección", "elecciones"), ("ciudad", "ciudades"), ("gobierno", "gobiernos"),
            ("trabajador", "trabajadores"), ("universidad", "universidades"), ("hospital", "hospitales"),
            ("empresa", "empresas"), ("acuerdo", "acuerdos"), ("huelga", "huelgas"), ("incendio", "incendios"),
            ("vacuna", "vacunas"), ("ministro", "ministros"), ("partido", "partidos"), ("protesta", "protestas"),
            ("ley", "leyes")]),
    "pt": ("Os jornalistas da capital disseram na segunda-feira que {w} foram o tema principal do debate, e os "
           "funcionários esperam mais notícias do ministério esta semana depois da reunião.",
           [("eleição", "eleições"), ("cidade", "cidades"), ("governo", "governos"),
            ("trabalhador", "trabalhadores"), ("universidade", "universidades"), ("hospital", "hospitais"),
            ("empresa", "empresas"), ("acordo", "acordos"), ("greve", "greves"), ("incêndio", "incêndios"),
            ("vacina", "vacinas"), ("ministro", "ministros"), ("partido", "partidos"), ("protesto", "protestos"),
            ("lei", "leis")]),
    "fr": ("Les journalistes de la capitale ont dit lundi que {w} étaient le sujet principal du débat, et les "
           "responsables attendent plus de nouvelles du ministère cette semaine après la réunion.",
           [("élection", "élections"), ("ville", "villes"), ("gouvernement", "gouvernements"),
            ("travailleur", "travailleurs"), ("université", "universités"), ("hôpital", "hôpitaux"),
            ("entreprise", "entreprises"), ("accord", "accords"), ("grève", "grèves"), ("incendie", "incendies"),
            ("vaccin", "vaccins"), ("ministre", "ministres"), ("parti", "partis"),
            ("manifestation", "manifestations"), ("loi", "lois")]),
    "de": ("Die Journalisten in der Hauptstadt sagten am Montag, dass {w} das wichtigste Thema der Debatte "
           "waren, und die Beamten erwarten nach dem Treffen in dieser Woche weitere Nachrichten vom Ministerium.",
           [("Wahl", "Wahlen"), ("Stadt", "Städten"), ("Regierung", "Regierungen"), ("Arbeiter", "Arbeitern"),
            ("Universität", "Universitäten"), ("Krankenhaus", "Krankenhäusern"), ("Unternehmen", "Unternehmens"),
            ("Vertrag", "Verträge"), ("Streik", "Streiks"), ("Brand", "Brände"), ("Impfstoff", "Impfstoffe"),
            ("Minister", "Ministern"), ("Partei", "Parteien"), ("Bundesland", "Bundesländern"),
            ("Gesetz", "Gesetze")]),
    "ru": ("Журналисты в столице сообщили в понедельник, что {w} стали главной темой дебатов, и чиновники "
           "ожидают новых сообщений от министерства на этой неделе после встречи.",
           [("выборы", "выборах"), ("город", "городах"), ("правительство", "правительства"),
            ("рабочий", "рабочих"), ("университет", "университете"), ("больница", "больницы"),
            ("компания", "компании"), ("договор", "договора"), ("забастовка", "забастовки"),
            ("пожар", "пожаре"), ("вакцина", "вакцины"), ("министр", "министра"), ("партия", "партии"),
            ("кандидат", "кандидаты"), ("закон", "законы")]),
    "ar": ("قال الصحفيون في العاصمة يوم الاثنين إن {w} كانت الموضوع الرئيسي للنقاش، ويتوقع المسؤولون "
           "مزيدا من الأخبار من الوزارة هذا الأسبوع بعد الاجتماع.",
           [("انتخابات", "الانتخابات"), ("مدينة", "المدينة"), ("حكومة", "الحكومة"), ("جامعة", "الجامعة"),
            ("مستشفى", "المستشفى"), ("اتفاق", "الاتفاق"), ("إضراب", "الإضراب"), ("حريق", "الحريق"),
            ("لقاح", "اللقاح"), ("وزير", "الوزير"), ("حزب", "الحزب"), ("قانون", "القانون"), ("رئيس", "الرئيس"),
            ("اقتصاد", "الاقتصـاد"), ("الطاقة", "الطَّاقَة")]),
}


def articles(language: str, repeat: int = 1) -> list[dict]:
    template, pairs = LANGUAGES[language]
    return [{"id": f"{language}-{n:02d}-{r}", "title": "", "text": template.format(w=form)}
            for r in range(repeat) for n, (_query, form) in enumerate(pairs)]


def build(folder: Path, docs: list[dict]) -> tuple[float, int]:
    """Seconds to index the documents from scratch and the index's size in bytes."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "a.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                                    encoding="utf-8")
    start = time.perf_counter()
    WhooshBackend(folder / "index").update(corpus, max_bytes=10**8)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (folder / "index").rglob("*") if p.is_file())
    return seconds, size


def recall(folder: Path, language: str) -> tuple[float, list[str]]:
    build(folder, articles(language))
    backend = WhooshBackend(folder / "index")
    missed = []
    try:
        for n, (query, _form) in enumerate(LANGUAGES[language][1]):
            hits = [h.id for h in backend.search(SearchRequest(q=query, per_page=10)).hits]
            if f"{language}-{n:02d}-0" not in hits:
                missed.append(query)
    finally:
        backend.close()
    return 1 - len(missed) / len(LANGUAGES[language][1]), missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="copies of each article for the build figures")
    args = parser.parse_args()
    print(f"{'lang':5} {'recall@10':>9} {'build s':>8} {'x en':>6} {'index KB':>9} {'x en':>6}  missed")
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for language in LANGUAGES:
            score, missed = recall(Path(tmp) / f"{language}-recall", language)
            runs = [build(Path(tmp) / f"{language}-build-{i}", articles(language, args.repeat)) for i in range(3)]
            seconds = sorted(r[0] for r in runs)[1]
            size = runs[0][1]
            reference = reference or (seconds, size)
            print(f"{language:5} {score:9.2f} {seconds:8.2f} {seconds / reference[0]:6.2f} {size / 1024:9.0f} "
                  f"{size / reference[1]:6.2f}  {' '.join(missed)}")
            for i in range(3):
                shutil.rmtree(Path(tmp) / f"{language}-build-{i}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
