"""The command line: `garment-cutout` and its subcommands, one module each owning its
arguments (add_cli_arguments) and what it prints (run_cli)."""
