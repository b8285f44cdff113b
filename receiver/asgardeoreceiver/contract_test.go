package asgardeoreceiver

import (
	"strconv"
	"strings"
	"testing"

	"github.com/authtrail/authtrail/internal/webhook/webhooktest"
)

func TestConsumeContract(t *testing.T) {
	sample := string(seed(t, "userDeleted"))
	jti := sample[strings.Index(sample, `"jti": "`)+len(`"jti": "`):]
	jti = jti[:strings.IndexByte(jti, '"')]
	cfg := createDefaultConfig().(*Config)
	cfg.Webhook.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Webhook.Signature.Secret = secret
	webhooktest.CheckContract(t, webhooktest.ContractParams{
		Factory: NewFactory(),
		Config:  cfg,
		Count:   200,
		Generate: func(i int) webhooktest.Delivery {
			id := "contract-" + strconv.Itoa(i)
			body := []byte(strings.Replace(sample, jti, id, 1))
			return webhooktest.Delivery{Body: body, Header: signed(body), ID: id}
		},
	})
}
