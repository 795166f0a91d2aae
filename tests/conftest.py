"""Test tiers, warnings our own tests cause on purpose, and a loud count of what ``../shared`` could
not test.

Three markers (registered in ``pyproject.toml``):

* ``slow``: the test takes seconds (corpus sweeps, fuzzing, memory and bomb tests, Hypothesis with
  many examples, the command line run in worker processes ...). ``python -m pytest -m "not slow"``
  is the fast tier; CI runs everything (``python -m pytest -q``).
* ``corpus``: the test needs ``../shared/corpus`` next to the repository; it is skipped when that
  folder is absent.
* ``host``: the test needs tools of the host (poppler-utils: ``pdftotext``, ``pdfdetach``).

They are given here by a collection hook, from :data:`TIERS`, rather than in each test file, so that
the tiers can be read and changed in one place. A test whose own ``skipif`` names
``../shared/corpus`` or poppler gets ``corpus`` or ``host`` without an entry (:func:`_implied`).

At the end of the run :func:`pytest_terminal_summary` counts the tests skipped for each missing
``../shared`` folder, so that a run without it cannot pass for a complete one.
"""

from __future__ import annotations

import ast
import gc
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"  # ../shared next to the repository
SHARED_FOLDERS = ("corpus", "hostile", "spec")

EVERY_TEST = ("*",)
"""A module's every test."""

TIERS: dict[str, dict[str, tuple[str, ...]]] = {
    # CPU seconds measured on the fast tier (2 shared cores): a test (all its parametrizations
    # together) past about one second is slow, but for the architecture test and the sweeps over our
    # own fixtures (test_pdf::test_fixture_to_facturx, test_render::test_rendered_invoice_becomes_pdfa:
    # a few hundredths of a second a case).
    "slow": {
        "test_redteam": ("test_a_flux10_report_with_100000_unknown_siblings_is_read_in_linear_time",  # 1.2 s
                         "test_an_invoice_named_twice_in_the_name_tree_is_a_fatal_duplicate_not_hidden",  # PDFs made
                         "test_the_pdf_view_shows_a_bidirectional_override_as_the_html_view_does"),  # PDF drawn, read
        "test_compute": ("test_the_vat_rule_reported_first_does_not_depend_on_the_hash_seed",),  # five processes
        "test_specs": ("test_peppol_dutch_rule", "test_peppol_german_rule",  # each case through the Peppol rules
                       "test_extended_wants_a_due_date_or_terms_on_a_credit_note_as_its_schematron_does",
                       "test_every_spec_writes_a_document_valid_under_the_rule_set_its_bt24_selects"),
        "test_pdf_truthful": ("test_rendered_invoice_pages_state_the_xml_amounts",),  # every fixture rendered
        "test_render": ("test_random_documents_become_valid_factur_x",  # Hypothesis documents as PDF/A-3
                        "test_wrap_keeps_every_character_and_the_width"),  # Hypothesis texts through the font metrics
        "test_readme": ("test_readme_b2b_payload_is_the_fixture_and_passes_fr_ctc_from_the_cli",),  # real processes
        "test_extended_ctc_fr": (  # three rule sets; both syntaxes through their Schematrons
            "test_cii_extended_ctc_fr_is_valid_under_the_official_rules",
            "test_ubl_carries_what_it_has_a_place_for_and_reports_the_rest",
        ),
        "test_cdar": (  # Hypothesis and every allowed reason through the official rules
            "test_round_trip_of_random_statuses",
            "test_each_reason_the_schematron_allows_for_a_status_is_valid",
            "test_the_status_command_reads_a_factur_x_pdf",
        ),
        "test_batch_isolation": (
            "test_a_hanging_file_is_stopped_after_the_timeout",
            "test_a_hostile_pdf_does_not_abort_the_batch",
            "test_a_few_hundred_files_keep_the_parent_small",
        ),
        "test_benchmarks": ("test_corpus_figures_count_a_small_corpus",),
        "test_browser": EVERY_TEST,  # the system Chromium, headless, and a real server (FXE_REQUIRE_BROWSER=1 in CI)
        "test_cli": ("test_invalid_output_real_case",),  # compiles the EXTENDED Schematron
        "test_cli_files": (  # real processes, each importing the engine
            "test_attacker_named_files_cannot_drive_the_terminal",
            "test_closed_standard_streams",
            "test_endless_and_huge_inputs_are_refused",
            "test_output_that_is_not_a_regular_file_is_refused",
            "test_regular_and_absent_targets_are_written",
            "test_generate_prints_every_warning_it_counts",
        ),
        "test_cen_cii": (  # Hypothesis documents and conversions through the CEN CII Schematron
            "test_conversion_to_cii_adds_no_cen_finding",
            "test_one_tax_point_date_however_many_vat_breakdowns",
            "test_random_documents_pass_cen",
            "test_random_documents_write_at_most_one_tax_point_date",
            "test_fixtures_payloads_and_lifecycle_pass_cen",
        ),
        "test_codegen": ("test_the_reference_paths_give_the_same_bytes_and_records",),  # two interpreters
        "test_convert": (
            "test_corpus_conversion",
            "test_corpus_pdf",
            "test_random_documents_convert_losslessly",
        ),
        "test_convert_specs": (  # the CEN CII, XRechnung and Factur-X Schematron over the corpus
            "test_cen_ubl_examples_refused_as_factur_x_convert_now",
            "test_skonto_lines_keep_an_xrechnung_valid_both_ways",
            "test_spec_documents_stay_valid_in_the_other_syntax",
        ),
        "test_dist": (  # a real Dask cluster of worker processes (about 45 s in all)
            "test_a_document_that_kills_workers_ends_as_fxe_crash",
            "test_a_killed_worker_loses_and_repeats_nothing",
            "test_a_stopped_run_resumes_without_redoing_documents",
            "test_command_line",
            "test_corpus_equals_validate_j1",
            "test_dask_is_imported_only_with_cluster",
            "test_each_worker_compiles_each_rule_set_once",
            "test_file_urls_parquet_and_convert",
            "test_generate_with_a_spec_writes_in_the_specs_profile_as_generate_does",
            "test_generate_from_payloads",
            "test_hostile_documents_get_their_findings",
            "test_memory_urls_end_to_end",
        ),
        "test_ereport": ("test_random_b2c_documents_of_every_shape_sum_to_what_their_own_cii_states",),  # 10 reports
        "test_ereport_detail": (  # random 10.1 reports and the official Schematron
            "test_random_international_b2b_documents_carry_their_detail_valid_and_read_back_equal",
            "test_the_report_with_every_optional_element_is_valid_officially",
            "test_the_command_says_what_10_1_has_no_place_for",
        ),
        "test_fuzz_mutations": EVERY_TEST,
        "test_host_safety": EVERY_TEST,
        "test_hostile": (
            "test_batch_survives_every_reproducer",
            "test_generated_xml",
            "test_glob_survives_a_symlink_cycle",
            "test_reproducer",
        ),
        "test_lean_equivalence": (  # the stock stylesheets; worker processes
            "test_a_batch_compiles_each_stylesheet_once_per_worker",
            "test_a_batch_started_by_a_process_holding_saxon_state_starts_clean_workers",
            "test_clean_workers_inherit_no_saxon_state",
            "test_every_lean_stylesheet_gives_the_stock_findings_on_every_generated_document",
            "test_lean_gives_the_stock_findings_on_documents_that_break_the_rules",
            "test_only_the_lean_error_reruns_the_stock_stylesheet",
        ),
        "test_losses": ("test_every_model_value_is_written_or_reported_by_every_writer",),
        "test_memory": EVERY_TEST,
        "test_model_speed_equivalence": (
            "test_each_field_with_every_variant_and_every_pair_of_bad_fields",
            "test_each_record_builds_the_same_from_odd_and_bad_input",
            "test_random_documents_build_the_same_with_both_paths",
        ),
        "test_packaging": (  # builds the sdist and the wheel, runs pytest in the unpacked sdist
            "test_sdist_carries_every_committed_file_but_ci",
            "test_tests_run_from_the_unpacked_sdist",
            "test_wheel_built_from_the_sdist_carries_every_file_of_the_package",
        ),
        "test_payload": (  # Hypothesis payloads; junk of every shape
            "test_random_valid_payloads_give_valid_documents_and_their_totals_agree",
            "test_junk_gives_a_structured_error_never_a_traceback",
        ),
        "test_payload_parties": (  # the official rules (EN 16931, French CTC, EXTENDED-CTC-FR); the command line
            "test_factoring_payload_is_valid_cii_and_ubl_under_the_official_and_french_rules",
            "test_extended_ctc_fr_payload_with_the_five_parties_is_valid_and_reads_back_equal",
            "test_generate_from_payload_writes_the_factoring_pdf_and_the_french_parties",
            "test_random_french_parties_are_read_and_come_back_from_the_cii",  # Hypothesis: each example written, read
        ),
        "test_payload_hostile": ("test_any_hostile_value_anywhere_gives_a_document_or_a_keyed_payload_error",),
        "test_payload_targets": (  # the official rules: the documents written, the French CTC Schematron's BR-FR-23
            "test_generate_writes_a_credit_note_for_the_credited_invoices_specification",
            "test_dist_generate_writes_a_credit_note_for_the_credited_invoices_specification",
            "test_br_fr_23_check_equals_the_official_rule",
        ),
        "test_pdf": ("test_corpus_pdf", "test_self_check_halves_are_check_pdf", "test_to_facturx_with_render"),
        "test_pdf_hostile": (
            "test_bombs_stay_within_512_mb_and_seconds",
            "test_bombed_attachment_is_listed_as_not_carried_by_a_conversion",
            "test_cli_on_damaged_pdfs_never_crashes",
            "test_fuzzed_pdfs_give_only_documented_outcomes",
            "test_object_bombs_are_refused_within_512_mb_and_seconds",
            "test_objects_at_the_budget_are_read_within_512_mb",
        ),
        "test_pdf_objects": ("test_over_the_budget_cli",),
        "test_peppol_fast": (  # the index against lxml on every Peppol example and on grown documents
            "test_grown_documents_give_the_reference_findings",
            "test_violating_examples_give_the_reference_findings",
        ),
        "test_properties": EVERY_TEST,
        "test_report_positions": (  # the command line over every rule set of a file
            "test_sarif_regions_and_json_findings",
            "test_svrl_merges_every_rule_set_of_a_file",
            "test_svrl_of_several_files_needs_a_directory",
            "test_text_and_junit_reports_give_file_line_and_column",
        ),
        "test_read": (
            "test_flat_pass_of_group_items_reads_exactly_what_the_walk_reads",
            "test_random_documents_round_trip",
        ),
        "test_serve": (  # a process importing the engine; every hostile reproducer through three routes
            "test_the_real_command_serves_and_stops_on_ctrl_c",
            "test_hostile_files_get_a_page_never_a_traceback",
            "test_convert_download_is_a_valid_document",
            "test_every_answer_carries_the_security_headers",
            "test_nothing_of_an_upload_is_left_behind",  # a view, a report and a conversion of every fixture
            "test_view_is_the_engine_view_as_is",
        ),
        "test_serve_worker": (  # worker processes killed, timed out and replaced
            "test_work_past_the_timeout_is_stopped_with_a_page_in_the_persons_language",
            "test_a_dead_worker_is_that_requests_error_page_and_the_page_goes_on",
            "test_report_and_error_pages_in_each_language",
        ),
        "test_specs_property": EVERY_TEST,  # Hypothesis: random documents through the CEN, KoSIT and Peppol rules
        "test_svrl_kinds": ("test_merged_svrl_kinds_are_the_stylesheets",),  # compiles a stock Factur-X stylesheet
        "test_validate": ("test_corpus_file", "test_lean_cen_cii_stylesheet_gives_the_stock_findings",
                          "test_profile_override_and_extra_rules"),
        "test_validate_cli": (  # `validate` checks each file in a worker process, which compiles its stylesheets
            "test_bare_en16931_cii_is_plain_cen_cii_standalone_and_factur_x_in_a_pdf",
            "test_broken_document_fires_its_rule",
            "test_corpus_pdfs_checked_as_container_and_xml",
            "test_corpus_verdicts_agree_with_index",
            "test_exit_codes",
            "test_json_has_the_documented_shape",
            "test_junit_is_one_testcase_per_file",
            "test_output_file_is_written_atomically",
            "test_progress_only_on_a_terminal",
            "test_rule_set_not_installed_exits_4",
            "test_rule_sets_are_run_and_named",
            "test_sarif_structure",
            "test_text_report_groups_findings_by_file",
            "test_every_report_lists_the_rule_sets_applied_and_why",
            "test_workers_give_the_same_report_in_input_order",
            "test_xsd_finding_has_a_line_region",
        ),
        "test_validate_codedb": (  # the stock stylesheets
            "test_corpus_cii_same_findings",
            "test_lean_stylesheet_same_svrl_findings_on_whole_corpus",
            "test_rewrite_counts_and_svrl_identical",
            "test_unknown_code_same_findings",
        ),
        "test_view_pdf": (  # every corpus document, both drawings; Hypothesis views; 40 page-break positions
            "test_corpus_pdf_view_says_what_the_html_view_says",
            "test_random_views_show_every_string",
            "test_an_item_starts_a_page_with_its_details",
        ),
        "test_view": (  # the Schematron of the rule sets a document claims; every corpus document in 3 languages
            "test_corpus_every_value_read_is_in_the_html",
            "test_corpus_invalid_document_is_shown_with_its_findings",
            "test_findings_of_an_invalid_document_are_on_top",
            "test_hostile_reproducers_give_a_view_or_an_engine_error",
            "test_valid_document_names_its_rule_sets",
        ),
        "test_wellformed": ("test_writers_return_well_formed_xml_or_a_model_error",),
        "test_writer_equivalence": ("test_compiled_writer_equals_reference_on_random_documents",),
        "test_xsd_cross_check": EVERY_TEST,  # xmlschema, a pure-Python XSD engine
    },
    # Tests that read ../shared/corpus and do not say so with a skipif.
    "corpus": {
        "test_convert": (
            "test_cli_invalid_result_is_exit_1",
            "test_corpus_conversion",
            "test_corpus_pairs_convert_to_each_other",
            "test_corpus_pdf",
            "test_minimum_xml_to_facturx_needs_a_page",
            "test_pdf_to_facturx_keeps_pages_and_attachments",
            "test_stated_figures_are_converted_not_recomputed",
            "test_unknown_vat_category_is_carried_to_ubl",
        ),
        "test_convert_specs": (
            "test_cen_ubl_examples_refused_as_factur_x_convert_now",
            "test_skonto_lines_keep_an_xrechnung_valid_both_ways",
            "test_spec_documents_stay_valid_in_the_other_syntax",
        ),
        "test_pdf": ("test_corpus_pdf",),
        "test_pdf_truthful": (
            "test_converted_corpus_pages_state_the_xml_amounts",
            "test_discrepancy_is_shown_as_stated_with_a_notice",
        ),
        "test_read": (
            "test_cii_price_base_quantity_is_read_as_stated",
            "test_cii_price_discount_is_read_as_stated",
            "test_corpus_file",
            "test_corpus_pairs_read_alike",
            "test_corpus_values_are_kept_as_stated_not_fixed",
        ),
        "test_view": (
            "test_corpus_every_value_read_is_in_the_html",
            "test_corpus_invalid_document_is_shown_with_its_findings",
            "test_corpus_pdf_attachments_are_the_embedded_bytes",
            "test_corpus_richest_document_every_value_read_is_in_the_html",
        ),
    },
    # Tests that run poppler-utils and do not say so with a skipif.
    "host": {
        "test_pdf": ("test_independent_readers_agree",),  # pdfdetach
        "test_render": (  # pdftotext
            "test_120_lines_flow_over_pages_with_the_header_repeated",
            "test_200_lines_and_very_long_texts_do_not_crash",
            "test_b2c_paid_by_card_is_due_zero",
            "test_characters_the_font_lacks_are_replaced_not_dropped",
            "test_deposits_deducted_and_amount_due",
            "test_english_labels_and_amounts",
            "test_font_subsets_are_the_same_for_every_document",
            "test_late_payment_mentions_for_french_b2b_only",
            "test_payment_details_vat_exemptions_and_allowances",
            "test_random_documents_become_valid_factur_x",
            "test_template_mentions_header_footer_and_logo",
            "test_title_by_type_code",
            "test_totals_are_formatted_in_french",
        ),
    },
}
"""marker -> test module (file name without ``.py``) -> its test functions (every parametrization)."""

_DEPOSITS_TYPE_CODE_LOST = (
    r"ignore:(Factur-X profile EN 16931|UBL 2\.1) cannot carry. EXT-FR-FE-02 \(preceding invoice type code\)$"
    ":facturx_engine.ProfileWarning"
)
EXPECTED_WARNINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    # These write a final invoice after deposits in EN 16931 CII or UBL, which cannot carry the
    # deposits' type code (386, EXT-FR-FE-02): the writer reports that loss on purpose, and
    # test_losses and test_fixtures check that it does.
    "test_compute": (_DEPOSITS_TYPE_CODE_LOST, ("test_deposit_then_final_invoice_with_paid_amount",)),
    "test_lifecycle": (_DEPOSITS_TYPE_CODE_LOST, (
        "test_deposits_and_final_invoice_by_paid_amount",
        "test_final_invoice_by_deduction_lines_does_not_charge_vat_twice",
    )),
    "test_payload": (_DEPOSITS_TYPE_CODE_LOST, (
        "test_a_schedule_reaching_100_percent_ends_with_the_balance",
        "test_accepted_payload_gives_valid_facturx_cii_and_ubl",
        "test_accepted_payload_pdf_passes_the_independent_pdfa_validator",
        "test_balance_after_two_deposits",
        "test_payment_schedule_gives_every_invoice_one_by_one",
        "test_quote_to_deposits_to_balance",
        "test_random_valid_payloads_give_valid_documents_and_their_totals_agree",
    )),
    "test_render": (_DEPOSITS_TYPE_CODE_LOST, ("test_rendered_invoice_becomes_pdfa",)),
    "test_terms": (_DEPOSITS_TYPE_CODE_LOST, ("test_rich_documents_are_valid",)),
}
"""Warnings of our own that tests cause knowingly: test module -> (a ``filterwarnings`` spec, whose
message is a regular expression that cannot hold a colon; its test functions). Every other warning
is an error (``pyproject.toml``)."""

_FOLDER_IN_REASON = re.compile(r"shared[/\\ ]+(" + "|".join(SHARED_FOLDERS) + r")\b", re.IGNORECASE)
_HOST_TOOL_IN_REASON = re.compile(r"pdftotext|pdfdetach|pdftoppm|poppler", re.IGNORECASE)


def _check_tables() -> None:
    """Every module and function the tables name exists, so that a renamed test cannot leave its tier
    (or keep a warning filter) silently."""
    named = [(module, tests) for table in TIERS.values() for module, tests in table.items()]
    named += [(module, tests) for module, (_, tests) in EXPECTED_WARNINGS.items()]
    defined: dict[str, set[str]] = {}
    for module, tests in named:
        path = TESTS / f"{module}.py"
        if not path.is_file():
            raise pytest.UsageError(f"tests/conftest.py names {module}, but there is no tests/{path.name}")
        if module not in defined:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            defined[module] = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        unknown = sorted(set(tests) - defined[module] - set(EVERY_TEST))
        if unknown:
            raise pytest.UsageError(f"tests/conftest.py names tests that {path.name} does not define: {unknown}")


def _implied(item: pytest.Item) -> set[str]:
    """``corpus`` and ``host`` for a test that already skips without ``../shared/corpus`` or poppler."""
    implied = set()
    for mark in item.iter_markers("skipif"):
        reason = str(mark.kwargs.get("reason", ""))
        match = _FOLDER_IN_REASON.search(reason)
        if match and match.group(1).lower() == "corpus":
            implied.add("corpus")
        if _HOST_TOOL_IN_REASON.search(reason):
            implied.add("host")
    return implied


def pytest_configure(config: pytest.Config) -> None:
    _check_tables()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    corpus = SHARED / "corpus"
    for item in items:
        module, function = item.path.stem, getattr(item, "originalname", item.name)
        markers = _implied(item)
        for marker, table in TIERS.items():
            tests = table.get(module, ())
            if tests == EVERY_TEST or function in tests:
                markers.add(marker)
        for marker in sorted(markers):
            item.add_marker(getattr(pytest.mark, marker))
        spec, tests = EXPECTED_WARNINGS.get(module, ("", ()))
        if function in tests:
            item.add_marker(pytest.mark.filterwarnings(spec))
        if "corpus" in markers and not corpus.is_dir():
            item.add_marker(pytest.mark.skip(reason=f"SHARED CORPUS ABSENT: {corpus} not found, NOT tested"))


def _missing_folder(report: pytest.TestReport) -> str | None:
    """The ``../shared`` folder that a skipped test names in its reason (or needs by its marker), if it
    is absent."""
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    match = _FOLDER_IN_REASON.search(reason)
    if match:
        folder = match.group(1).lower()
    elif "corpus" in report.keywords:  # e.g. a parametrization over the corpus files that found none
        folder = "corpus"
    else:
        return None
    return None if (SHARED / folder).is_dir() else folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    counts = Counter(folder for report in terminalreporter.stats.get("skipped", [])
                     if isinstance(report, pytest.TestReport) and (folder := _missing_folder(report)))
    if not counts:
        return
    terminalreporter.write_sep("!", "tests skipped for a missing ../shared folder", red=True, bold=True)
    for folder, count in sorted(counts.items()):
        terminalreporter.write_line(
            f"{count} test(s) skipped: ../shared/{folder} is missing (looked for {SHARED / folder})",
            red=True, bold=True)


@pytest.fixture(autouse=True)
def _forked_batch_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch workers are forked from the test process whatever it holds, so that the hooks tests install
    with ``monkeypatch`` reach them (``tests/test_batch_isolation.py``). ``check_files`` spawns them instead
    when the calling process holds compiled stylesheets, which this process often does after earlier tests:
    ``tests/test_lean_equivalence.py`` tests that choice, and the tests that run the command line in real
    processes (``test_hostile.py``, ``test_memory.py``) meet the real one."""
    from facturx_engine.apps import batch

    monkeypatch.setattr(batch, "holds_saxon", lambda: False)


@pytest.fixture(scope="module")
def workers_stop_with_the_module() -> Iterator[None]:
    """A serve application's worker process stops when the application is collected: collect at the end of the
    module that asks for it (``pytestmark = pytest.mark.usefixtures(...)``), so that no worker outlives its tests
    (tests/test_batch_isolation.py counts the children)."""
    yield
    gc.collect()
