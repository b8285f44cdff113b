package vgsreceiver

import (
	"strconv"
	"strings"
	"testing"

	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func TestConsumeContract(t *testing.T) {
	sample := string(seed(t, "user_logged_in"))
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Webhook.RequiredHeader.Name = "X-Authtrail-Token"
	cfg.Webhook.RequiredHeader.Value = "a-token-of-24-characters"
	webhooktest.CheckContract(t, webhooktest.ContractParams{
		Factory: NewFactory(),
		Config:  cfg,
		Count:   200,
		Generate: func(i int) webhooktest.Delivery {
			id := "contract-" + strconv.Itoa(i)
			return webhooktest.Delivery{
				Body:   []byte(strings.Replace(sample, "ccd01bb2-e87f-4934-9a72-1367f5131905", id, 1)),
				Header: map[string]string{"X-Authtrail-Token": "a-token-of-24-characters"},
				ID:     id,
			}
		},
	})
}
