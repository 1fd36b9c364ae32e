"""The broadcast engine: a rate-limited, resumable sender that runs inside `dvcbot serve`."""
