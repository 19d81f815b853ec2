"""Import a Stack Exchange data dump into one product.

    manage.py import_stackexchange /path/to/dump --product "Quantum Computing"
    manage.py import_stackexchange /path/to/dump --product "Cardano" --slug cardano --limit 50

The folder holds the dump's XML files (``Posts.xml``, ``Comments.xml``, ``Users.xml``...).
What is imported and how is in ``demo.stackexchange``. A product that already holds
threads is refused, so running it twice never duplicates anything.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.stackexchange import ImportRefusedError, import_dump


class _ProgressStream:
    """The command's stderr as tqdm writes to it: no added line ends, no error colour."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=lambda plain: plain, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Import a Stack Exchange data dump (a folder of Posts.xml, Comments.xml, Users.xml...) "
        "into a product; refused when the product already holds threads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The folder holding the dump's XML files.")
        parser.add_argument(
            "--product",
            required=True,
            metavar="TITLE",
            help='The product to import into, e.g. "Quantum Computing" (made when missing).',
        )
        parser.add_argument(
            "--slug", help="The product's slug (its URL, /c/<slug>/); default: from the title."
        )
        parser.add_argument(
            "--limit",
            type=int,
            metavar="N",
            help="Import only the first N questions, with their answers and comments.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Show no progress bars on stderr."
        )

    def handle(
        self,
        *args,
        path: str,
        product: str,
        slug: str | None = None,
        limit: int | None = None,
        no_progress: bool = False,
        **options,
    ) -> None:
        try:
            report = import_dump(
                path,
                product_title=product,
                product_slug=slug,
                limit=limit,
                progress=not no_progress,
                progress_file=_ProgressStream(self.stderr),
            )
        except ImportRefusedError as refused:
            raise CommandError(str(refused)) from refused
        verb = "made" if report.product_created else "found"
        self.stdout.write(
            f'Imported into "{report.product_title}" (/c/{report.product_slug}/, {verb}) '
            f"in {report.seconds:.1f} s:"
        )
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Done."))
