"""Benchmark: search index build time, memory and per-query latency at 10,000 procedures.

Run: python bench/search.py [--procedures 10000] [--queries 2000] [--seed 7]
The catalogue is the real content plus synthetic procedures written from the same vocabulary
(actions x objects x qualifiers), so word frequencies look like a real national catalogue.
Queries are distinct: parts of procedure names, with accents dropped and typos added, plus the
test query set. Targets: build <= 3 s, p99 <= 5 ms per query, on one core.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from rapidfuzz import fuzz, process

from bot.config import BUNDLED_CONTENT
from bot.content import load_or_raise
from bot.search import Document, SearchIndex
from bot.search.documents import documents_from, synonyms_from
from handlers.text import fold
from handlers.understanding import chat_words_of

ACTIONS = [
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Đăng ký",
    "Đăng ký thay đổi",
    "Xác nhận",
    "Thu hồi",
    "Điều chỉnh",
    "Chấm dứt",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
    "Hỗ trợ",
    "Giải quyết",
    "Thông báo",
    "Cho phép",
    "Đình chỉ",
    "Miễn",
    "Chuyển đổi",
]
OBJECTS = [
    "giấy phép kinh doanh",
    "giấy chứng nhận quyền sử dụng đất",
    "chứng chỉ hành nghề y",
    "giấy phép lái xe",
    "thẻ bảo hiểm y tế",
    "giấy phép xây dựng",
    "hộ chiếu phổ thông",
    "chứng chỉ hành nghề dược",
    "giấy phép môi trường",
    "giấy chứng nhận đủ điều kiện an toàn thực phẩm",
    "giấy phép hoạt động giáo dục",
    "trợ cấp thất nghiệp",
    "chế độ thai sản",
    "giấy phép khai thác nước",
    "giấy phép lao động cho người nước ngoài",
    "biển số xe",
    "thẻ căn cước",
    "giấy chứng nhận đăng ký doanh nghiệp",
    "giấy phép bán lẻ rượu",
    "giấy phép quảng cáo",
    "chứng nhận nguồn gốc xuất xứ",
    "giấy phép thành lập cơ sở trợ giúp xã hội",
    "hồ sơ người có công",
    "trợ cấp mai táng",
    "học bổng chính sách",
    "giấy phép nhập khẩu thuốc",
    "chứng nhận cơ sở đủ điều kiện chăn nuôi",
    "giấy phép đánh bắt thủy sản",
    "văn bằng tốt nghiệp",
    "giấy phép tổ chức lễ hội",
    "chứng chỉ quy hoạch",
    "giấy phép sử dụng vật liệu nổ",
]
QUALIFIERS = [
    "",
    "",
    "",
    "cho hộ kinh doanh",
    "tại cấp tỉnh",
    "tại cấp xã",
    "có yếu tố nước ngoài",
    "cho tổ chức",
    "cho cá nhân",
    "trong khu công nghiệp",
    "đối với doanh nghiệp nhỏ và vừa",
    "lần đầu",
    "do bị mất, hư hỏng",
    "khi thay đổi thông tin",
    "theo danh sách",
]
FIELDS = [
    "Y tế",
    "Giáo dục",
    "Đất đai",
    "Xây dựng",
    "Giao thông",
    "Lao động",
    "Thương mại",
    "Nông nghiệp",
    "Môi trường",
    "Tư pháp",
    "Văn hóa",
    "Công an",
    "Tài chính",
    "Nội vụ",
]
AUTHORITIES = [
    "UBND cấp xã",
    "Sở Y tế",
    "Sở Xây dựng",
    "Công an cấp tỉnh",
    "Sở Tư pháp",
    "Bộ Công Thương",
]


def synthetic(count: int, rng: random.Random) -> list[Document]:
    docs = []
    for i in range(count):
        name = " ".join(
            p for p in (rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)) if p
        )
        field = rng.choice(FIELDS)
        code = f"9.{i:06d}"
        keywords = (field, code, rng.choice(OBJECTS))
        fee = rng.randint(1, 50) * 10
        body = f"{rng.choice(AUTHORITIES)} {rng.randint(1, 30)} ngày làm việc lệ phí {fee}.000 đồng"
        docs.append(Document("proc", code, name, keywords, body))
    return docs


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeioundghtc") + word[i + 1 :]


def make_queries(docs: list[Document], count: int, rng: random.Random) -> list[str]:
    queries: set[str] = set()
    while len(queries) < count:
        words = rng.choice(docs).title.split()
        start = rng.randrange(len(words))
        part = words[start : start + rng.randint(2, 5)]
        if rng.random() < 0.5:
            part = fold(" ".join(part)).split()
        if rng.random() < 0.4:
            j = rng.randrange(len(part))
            part[j] = typo(part[j], rng)
        queries.add(" ".join(part))
    return sorted(queries)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    content = load_or_raise(BUNDLED_CONTENT)
    real = list(documents_from(content))
    docs = real + synthetic(args.procedures, rng)
    synonyms = synonyms_from(content)
    chat = chat_words_of(content)  # fillers, shorthand, intents: the bot's whole reading

    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    index = SearchIndex(docs, synonyms, chat)
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    # Memory is measured on a second build: tracemalloc slows the allocations it watches.
    del index
    gc.collect()
    tracemalloc.start()
    index = SearchIndex(docs, synonyms, chat)
    memory, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    query_set = (
        Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "search_queries.yaml"
    )
    expected = [q for q in yaml.safe_load(query_set.read_text("utf-8")) if "after" not in q]
    queries = [q["q"] for q in expected]
    queries += make_queries(docs, args.queries, rng)
    latencies, cpu_times = [], []
    for query in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        index.search(query, 3)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)

    # Baseline: the obvious approach, fuzzy-matching the folded question against every folded
    # title and keyword line with rapidfuzz (C++), no index.
    lines = [fold(" ".join((d.title, *d.keywords))) for d in docs]
    baseline = []
    for query in queries:
        t0 = time.process_time()
        process.extract(fold(query), lines, scorer=fuzz.token_set_ratio, limit=3)
        baseline.append((time.process_time() - t0) * 1000)

    def top1(search: Callable[[str], str]) -> float:
        right = sum(search(q["q"]) in {q["expect"], *q.get("also", [])} for q in expected)
        return right / len(expected)

    ours = top1(lambda q: next((h.ref for h in index.search(q, 1)), ""))
    theirs = top1(
        lambda q: docs[process.extractOne(fold(q), lines, scorer=fuzz.token_set_ratio)[2]].ref
    )

    print(f"documents: {len(docs)} ({len(real)} real + {args.procedures} synthetic procedures)")
    print(f"distinct words: {len(index.terms)}")
    print(f"index build: {build:.2f} s wall, {build_cpu:.2f} s CPU")
    print(
        f"memory after build: {memory / 2**20:.1f} MiB (peak while building {peak / 2**20:.1f} MiB)"
    )
    print(f"queries: {len(queries)} distinct")
    for label, values in (("wall", latencies), ("CPU", cpu_times)):
        print(
            f"latency per query ({label}): p50 {percentile(values, 0.5):.2f} ms, "
            f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms, "
            f"mean {statistics.fmean(values):.2f} ms"
        )
    print(
        f"baseline (rapidfuzz token_set_ratio over every title, CPU): "
        f"p50 {percentile(baseline, 0.5):.2f} ms, p99 {percentile(baseline, 0.99):.2f} ms"
    )
    print(
        f"query set top-1 among all {len(docs)} documents: index {ours:.1%}, baseline {theirs:.1%}"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (wall times include waiting)")


if __name__ == "__main__":
    main()
