package main

import (
	"flag"

	"github.com/hitd/hitd/api/server"
)

// proxyFlags are serve's reverse-proxy flags: which peers' forwarding
// headers to believe, and which headers those are (server.TrustedProxies).
type proxyFlags struct {
	trusted string
	headers string
}

// register adds the flags to fs.
func (f *proxyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.trusted, "trusted-proxies", "",
		"comma-separated addresses or CIDR ranges of reverse proxies whose forwarding headers (client address, scheme, host) are believed, e.g. 127.0.0.1,::1; default: none, the headers are ignored")
	fs.StringVar(&f.headers, "proxy-headers", string(server.XForwarded),
		"the headers the trusted proxies send: x-forwarded (X-Forwarded-For/-Proto/-Host) or forwarded (RFC 7239)")
}

// parse checks the flags; nil (trust nobody) without --trusted-proxies.
func (f *proxyFlags) parse() (*server.TrustedProxies, error) {
	return server.ParseTrustedProxies(f.trusted, server.ProxyHeaders(f.headers))
}
