from tonecls.cli import cli

cli()
