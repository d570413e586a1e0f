# As mensagens do sendercheck em português: uma entrada por código de src/text/codes.rs (pontos
# escritos como hífens). Os parâmetros são valores (nomes, termos, registros) mostrados como
# estão; os números escolhem o plural. Escritas para um cliente que não é especialista em DNS,
# com as palavras das páginas de ajuda dos provedores ("registro TXT", "zona DNS", "servidor de
# nomes").

join-and = {" e "}
join-or = {"; ou "}

stored-text = {$text}

## Respostas DNS
dns-lookup_failed = a consulta DNS {$query} falhou: {$reason}
dns-not_looked_up = {$query} não foi consultado
dns-timeout = tempo esgotado
dns-servfail = SERVFAIL (falha do servidor)
dns-refused = REFUSED (consulta recusada)
dns-unreachable = nenhum servidor DNS responde em {$servers} (sem resposta por UDP, conexão TCP recusada)
dns-other = {$reason}

## Qualquer registro
record-as_expected = o registro em {$name} está como esperado
record-parameter_missing = não é possível verificar: o cadastro não informa o parâmetro {$parameter}
record-also_accepted = também é aceito em seu lugar: {$alternatives}
record-alternative = {$records}
record-alternative_cname = CNAME {$name} → {$target}
record-alternative_dkim_key = uma chave DKIM em registro TXT em {$name}
record-alternative_mx = MX {$hosts} em {$name}
record-alternative_spf = SPF em {$name} autorizando {$include}
record-alternative_txt = TXT "{$value}" em {$name}
record-alternative_dmarc = DMARC em {$name}

## O que um perfil espera
expect-spf = um registro SPF que autorize {$include}
expect-cname = um CNAME para {$target}
expect-dkim_key = uma chave DKIM com p={$key} (qualquer chave válida quando não informada)
expect-dkim_key_typed = uma chave DKIM do tipo {$key_type} com p={$key} (qualquer chave válida quando não informada)
expect-dkim_any_key = uma chave DKIM válida
expect-dkim_any_key_typed = uma chave DKIM válida do tipo {$key_type}
expect-mx = MX {$hosts}
expect-txt = {$value}
expect-dmarc = um registro DMARC válido
expect-dmarc_policy = um registro DMARC válido com pelo menos p={$policy}

## Sintaxe SPF (RFC 7208 §12)
spf-syntax-record = {$problem} (RFC 7208 {$section})
spf-syntax-term = termo {$number} "{$term}": {$problem} (RFC 7208 {$section})
spf-syntax-modifier_repeated = o modificador {$modifier}= só pode aparecer uma vez
spf-syntax-modifier_no_name = um modificador precisa de um nome antes de '='
spf-syntax-modifier_name_letter = o nome de modificador "{$name}" deve começar com uma letra
spf-syntax-all_argument = 'all' não recebe argumento
spf-syntax-needs_domain = '{$mechanism}' precisa de ':' e de um domínio
spf-syntax-unexpected_after = "{$text}" inesperado depois de '{$mechanism}'
spf-syntax-ptr_prefix = 'ptr' não recebe comprimento de prefixo
spf-syntax-needs_address = '{$mechanism}' precisa de ':' e de um endereço
spf-syntax-ip4_invalid = "{$address}" não é um endereço IPv4 (quatro números de 0 a 255 sem zeros à esquerda)
spf-syntax-ip4_prefix = o comprimento de prefixo IPv4 "{$prefix}" deve ir de 0 a 32, sem zeros à esquerda
spf-syntax-ip6_invalid = "{$address}" não é um endereço IPv6 (RFC 4291 §2.2)
spf-syntax-ip6_prefix = o comprimento de prefixo IPv6 "{$prefix}" deve ir de 0 a 128, sem zeros à esquerda
spf-syntax-bad_prefix = "{$text}" não é um comprimento de prefixo válido
spf-syntax-empty_mechanism = nome de mecanismo vazio
spf-syntax-unknown_mechanism = mecanismo desconhecido "{$name}"
spf-syntax-domain_needed = '{$what}' precisa de um domínio
spf-syntax-domain_two_labels = "{$text}" não é um nome de domínio: precisa de pelo menos dois rótulos
spf-syntax-domain_empty_label = "{$text}" termina com um rótulo vazio
spf-syntax-domain_bad_toplabel = "{$text}" termina com "{$label}", que não é um rótulo de primeiro nível válido (letras, dígitos e hífens internos, não só dígitos)
spf-syntax-bad_character = o caractere {$character} não é permitido aqui (apenas ASCII visível)
spf-syntax-macro_unclosed = uma macro "%{"{"}" não está fechada com '{"}"}'
spf-syntax-percent = '%' deve ser seguido de '{"{"}', '%', '_' ou '-' (escreva %% para um % literal)
spf-syntax-macro_empty = uma macro vazia "%{"{"}{"}"}"
spf-syntax-macro_letter = "%{"{"}{$body}{"}"}": letra de macro desconhecida
spf-syntax-macro_exp_only = "%{"{"}{$body}{"}"}": as letras de macro c, r e t só são permitidas no texto exp=
spf-syntax-macro_zero_parts = "%{"{"}{$body}{"}"}": o número de partes não pode ser zero
spf-syntax-macro_delimiter = "%{"{"}{$body}{"}"}": '{$delimiter}' não é um delimitador de macro (um de . - + , / _ =)

## Avaliação SPF (RFC 7208 §4-§6)
spf-at = {$via}: {$problem}
spf-term_of = termo {$number} "{$term}" de {$domain}
spf-quoted_term_of = termo "{$term}" de {$domain}
spf-record_invalid_at = o registro SPF de {$domain} não é válido: {$errors}
spf-several_records_at = {$domain} publica {$count} registros SPF (RFC 7208 §4.5)
spf-too_many_lookups = o SPF precisa de mais de {$max} consultas DNS: o termo "{$term}" de {$domain} é a consulta {$lookup} (RFC 7208 §4.6.4)
spf-too_many_void_lookups = o termo "{$term}" de {$domain} é a consulta {$lookup} que não retorna registros: mais que o limite de {$max} (RFC 7208 §4.6.4)
spf-loop = {$via} volta para {$target}, cujo registro já está sendo avaliado (um ciclo)
spf-redirect_no_record = {$target} não tem registro SPF (RFC 7208 §6.1)
spf-include_no_record = {$target} não tem registro SPF (RFC 7208 §5.2)
spf-too_many_mx = {$target} tem {$count} servidores MX, mais que o limite de {$max} (RFC 7208 §4.6.4)
spf-ptr_used = "{$term}" de {$domain} usa 'ptr', que a RFC 7208 §5.5 recomenda não usar: é lento e muitos destinatários o ignoram
spf-target_not_fqdn = "{$name}" não é um nome de domínio completo
spf-target_empty_label = "{$name}" tem um rótulo vazio
spf-target_long_label = o rótulo "{$label}" tem mais de 63 caracteres

## O registro SPF a publicar
spf-fix-drops_voids = o registro sugerido deixa de fora {$terms}: suas consultas não retornam registros, então não autorizam nada, e mais de {$max} consultas assim são um erro permanente (RFC 7208 §4.6.4)
spf-fix-near_limit = o registro sugerido usa {$lookups} de {$max} consultas DNS: mais um include o quebra
spf-fix-corrected_term = "{$from}" para "{$to}"
spf-fix-corrects = o registro sugerido corrige {$terms}
spf-fix-misspelled_include = o registro sugerido substitui "{$term}": {$target} parece um erro de digitação de {$provider}, e um nome sem registro SPF faz do include um erro permanente (RFC 7208 §5.2)
spf-fix-drops_invalid = o registro sugerido remove termos que não são SPF válido: {$terms}
spf-fix-target_no_record = {$target} não publica registro SPF
spf-fix-target_invalid = o SPF de {$target} não é válido
spf-fix-drops_broken = o registro sugerido deixa de fora "{$term}" ({$reason}), que faz todos os destinatários responderem permerror; corrija o registro em {$target} antes de incluí-lo de novo
spf-fix-flattened = o registro sugerido substitui "{$term}" {$count ->
    [one] pela faixa de endereços
   *[other] pelas {$count} faixas de endereços
} que {$target} publica, para ficar dentro de {$max} consultas DNS; quando {$target} mudar essas faixas, esta cópia fica desatualizada
spf-fix-too_many_lookups = ele precisa de pelo menos {$lookups} consultas DNS (o limite é {$max}) mesmo com os includes que só listam endereços substituídos por esses endereços; remova os includes de serviços que você não usa mais, ou peça aos provedores deles um registro menor
spf-fix-unfixable = nenhum registro sozinho resolve isso como está: o registro sugerido ainda falha porque {$reason}
spf-fix-provider_still_fails = nenhum registro sozinho resolve isso como está: com o registro sugerido, o e-mail de {$provider} ({$address}) ainda recebe '{$result}'
spf-fix-unproven = não foi possível comprovar o registro sugerido com as respostas DNS disponíveis

## Consultas DNS por trás de um veredito
dns-query_failed = {$query}: {$reason}
dns-lookups_failed = consultas DNS falharam: {$failures}

## O registro SPF (RFC 7208)
spf-expected = include:{$provider} no registro SPF
spf-missing = nenhum registro SPF em {$domain}
spf-lookalike = nenhum registro SPF em {$domain}: "{$record}" não é um, porque um registro SPF deve começar exatamente com "v=spf1" seguido de um espaço (RFC 7208 §4.5)
spf-cname = {$domain} é um CNAME para {$target}: os destinatários leem o registro SPF de {$target}, e nenhum registro TXT pode ser publicado ao lado de um CNAME (RFC 2181 §10.1); publique o registro em {$target}, ou substitua o CNAME por registros de endereço e publique-o em {$domain}
spf-several_records = {$domain} tem {$count} registros SPF; os destinatários tratam isso como erro permanente (RFC 7208 §4.5): publique só um
spf-invalid = o registro SPF não é válido, então os destinatários respondem permerror para todo o e-mail: {$errors}
spf-one_family = só para e-mails enviados de endereços {$family}: {$problem}; os destinatários respondem permerror para remetentes {$family}, enquanto remetentes {$other} não são afetados
spf-unfollowed = {$term} depende do remetente ou do endereço de conexão: seu destino e suas próprias consultas não são conhecidos antes e não são contados aqui
spf-include_missing = o registro SPF não inclui {$provider}
spf-pass_authorised = o SPF autoriza {$provider} ({$lookups} de {$max} consultas DNS)
spf-pass = o SPF aprova e-mails dos endereços de {$provider} ({$samples} de {$samples} testados; {$lookups} de {$max} consultas DNS)
spf-addresses_without_include = o registro autoriza os endereços atuais de {$provider} sem include:{$provider}: quando o provedor adicionar endereços, os e-mails enviados por eles vão falhar; use include:{$provider}
spf-near_limit = o SPF usa {$lookups} de {$max} consultas DNS: mais um include o quebra
spf-mail_from = o e-mail de {$provider}
spf-mail_from_sampled = o e-mail de {$provider} ({$failing} dos {$tried} endereços testados, por exemplo {$address})
spf-matched_first = {$who} recebe '{$result}' em {$domain}: o termo {$number} "{$term}" o reconhece primeiro, então o provedor não está autorizado
spf-not_authorised = {$who} recebe '{$result}' em {$domain}: nenhum termo o autoriza (o registro SPF não inclui {$provider})
spf-incomplete = as consultas SPF não terminaram: {$queries}
spf-plus_all = '+all' permite que qualquer servidor da internet envie em nome de {$domain}
spf-bare_all = 'all' sem qualificador significa '+all': qualquer servidor da internet pode enviar em nome de {$domain}
spf-long_record = o registro SPF tem {$bytes} bytes; acima de {$max}, ele arrisca respostas DNS truncadas (RFC 7208 §3.4)

## Delegação por CNAME
cname-pass = {$name} é um CNAME para {$target}
cname-chain_pass = {$name} chega a {$target} por uma cadeia de CNAMEs
cname-chain = {$name} é uma cadeia de CNAMEs: {$name} → {$hops}; os destinatários a seguem, mas cada passo é mais um registro que pode quebrar: aponte {$name} diretamente para {$target}
cname-wrong_target = {$name} é um CNAME para {$found}, não para {$target}
cname-misspelled = {$found} parece um erro de digitação de {$target}: o CNAME leva a um nome que o provedor não atende
cname-chain_ends = a cadeia continua em {$hops} e termina ali
cname-nxdomain = {$name} não existe
cname-missing = {$name} não tem CNAME nem {$what ->
    [dkim_key] chave DKIM
   *[txt_mx] registros TXT e MX
}
cname-flattened_pass = {$name} não tem CNAME, mas publica {$what ->
    [dkim_key] a mesma chave DKIM
   *[txt_mx] os mesmos registros TXT e MX
} que {$target}
cname-flattened = cópia achatada: {$name} copia {$what ->
    [dkim_key] a chave DKIM de {$target} em vez de ser um CNAME; quando o provedor mudá-la
   *[txt_mx] os registros TXT e MX de {$target} em vez de ser um CNAME; quando o provedor mudá-los
}, esta cópia fica desatualizada
cname-copy_differs = {$name} não tem CNAME, e o que ele publica não {$what ->
    [dkim_key] é a chave DKIM publicada
   *[txt_mx] são os registros TXT e MX publicados
} em {$target}

## Listas de tags (RFC 6376 §3.2)
tags-empty = uma tag vazia entre dois ';'
tags-not_a_pair = "{$part}" não é um par tag=valor
tags-bad_name = "{$name}" não é um nome de tag
tags-repeated = a tag {$name}= aparece duas vezes

## Uma chave DKIM publicada como registro TXT
dkim-expected_any = uma chave DKIM válida (v=DKIM1; k={$key_type}; p=…), a que o provedor mostra
dkim-key_not_given = o registro exato precisa da chave pública do provedor: informe o parâmetro de chave do perfil (por exemplo dkim_key) para que ela seja verificada e escrita por inteiro
dkim-missing = nenhuma chave DKIM em {$name}
dkim-not_a_key = o registro TXT em {$name} não é uma chave DKIM (sem a tag p=)
dkim-several_keys = {$name} tem {$count} chaves DKIM; os destinatários podem usar qualquer uma, então as assinaturas falham ao acaso (RFC 6376 §3.6.2.2): mantenha só uma
dkim-unusable = a chave DKIM em {$name} não pode ser usada: {$problems}
dkim-wrong_type = a chave em {$name} é k={$found}; o provedor assina com chaves {$wanted}
dkim-wrong_key = a chave em {$name} não é a do provedor: seu p= difere do que o provedor mostra (uma chave antiga ou de outra conta)
dkim-pass = chave DKIM em {$name} ({$key_type})
dkim-tag_list_problem = {$problem} (RFC 6376 §3.2)
dkim-version_first = v= deve vir primeiro e valer DKIM1 (RFC 6376 §3.6.1)
dkim-no_p = ela não tem a tag p= (RFC 6376 §3.6.1)
dkim-revoked = p= está vazio: a chave foi revogada (RFC 6376 §3.6.1)
dkim-not_base64 = p= não está em base64 (RFC 6376 §3.6.1)
dkim-not_rsa = p= não é uma chave pública RSA
dkim-rsa_too_short = uma chave RSA de {$bits} bits: os destinatários ignoram chaves com menos de {$min} bits (RFC 8301 §3.2)
dkim-rsa_short = uma chave RSA de {$bits} bits: a RFC 8301 §3.2 pede aos remetentes pelo menos {$recommended}
dkim-ed25519_size = uma chave ed25519 deve ter 32 bytes, esta tem {$bytes} (RFC 8463 §4.2)
dkim-ed25519_only = uma chave ed25519: muitos destinatários ainda não verificam assinaturas ed25519; assine também com uma chave RSA (RFC 8463 §5)
dkim-unknown_type = k={$key_type} não é um tipo de chave que os destinatários conhecem: rsa ou ed25519 (RFC 8301, RFC 8463)
dkim-no_sha256 = h={$hashes} não permite sha256, e os destinatários recusam sha1 (RFC 8301 §3.1)
dkim-not_email = s={$services} não é para e-mail (RFC 6376 §3.6.1)
dkim-testing = t=y: a chave está em modo de teste, e os destinatários podem tratar suas assinaturas como ausentes (RFC 6376 §3.6.1)

value = {$value}

## O registro DMARC (RFC 7489)
-opendmarc-discards = o OpenDMARC, e com ele o Exim e os destinatários baseados em milter, descartam o registro inteiro e não aplicam DMARC
dmarc-expected = um único registro v=DMARC1 válido com p=none, quarantine ou reject
dmarc-expected_at_least = um único registro v=DMARC1 válido com p={$policy} ou mais rígido
dmarc-not_a_pair = "{$text}" não é um par tag=valor; os destinatários o ignoram (RFC 7489 §6.3)
dmarc-repeated_policy_tag = a tag '{$tag}' aparece duas vezes, então seu valor é ambíguo
dmarc-repeated_tag = a tag '{$tag}' aparece duas vezes; os destinatários podem usar qualquer um dos valores
dmarc-version_first = o registro deve começar com v=DMARC1 (RFC 7489 §6.3)
dmarc-no_policy = falta a tag obrigatória p= (RFC 7489 §6.3): os destinatários não aplicam DMARC, ou só p=none quando rua= é válido (§6.6.3)
dmarc-policy_second = p= deve ser a segunda tag, logo depois de v=DMARC1 (RFC 7489 §6.3); senão muitos destinatários ignoram a política
dmarc-ignored_value = '{$tag}' não é um valor válido: os destinatários o ignoram e usam {$default} (RFC 7489 §6.3)
dmarc-default_np = a política sp= ou p=
dmarc-default_relaxed = o alinhamento relaxado (r)
dmarc-default_interval = o intervalo padrão de 86400 segundos
dmarc-default_afrf = rf=afrf, o único formato de relatório definido
dmarc-bad_policy = '{$tag}' não é uma política válida (none, quarantine ou reject): os destinatários não aplicam DMARC, ou só p=none quando rua= é válido (RFC 7489 §6.6.3)
dmarc-bad_subdomain_policy = '{$tag}' não é uma política de subdomínio válida: os destinatários tratam o registro como se p= fosse inválido (RFC 7489 §6.6.3)
dmarc-bad_alignment = '{$tag}' não é relaxado (r) nem estrito (s): { -opendmarc-discards }
dmarc-bad_pct = '{$tag}' não é uma porcentagem de 0 a 100: { -opendmarc-discards }
dmarc-partial_pct = pct={$pct}: a política se aplica a apenas {$pct}% dos e-mails que falham{$pct ->
    [0] ; pct=0 não impõe nada
   *[other] {""}
}
dmarc-bad_interval = '{$tag}' não é um número de segundos: { -opendmarc-discards }
dmarc-bad_report_format = '{$tag}' indica um formato de relatório diferente de afrf ou iodef: { -opendmarc-discards }
dmarc-unknown_tag = a tag desconhecida '{$tag}' é ignorada pelos destinatários (RFC 7489 §6.3)
dmarc-uri_no_scheme = {$tag}="{$uri}" não é uma URI (precisa de um esquema como mailto:): os destinatários a ignoram e não enviam relatórios {$tag ->
    [rua] agregados
   *[ruf] de falha
} para ela (RFC 7489 §6.4)
dmarc-uri_invalid = {$tag}="{$uri}" não é uma URI válida: os destinatários a ignoram (RFC 7489 §6.4)
dmarc-uri_not_mailto = {$tag}="{$uri}": os destinatários só enviam relatórios {$tag ->
    [rua] agregados
   *[ruf] de falha
} para endereços mailto:, então nenhum chega ali (RFC 7489 §6.2)
dmarc-uri_not_address = {$tag}="{$uri}" não é um endereço de e-mail: os destinatários não enviam relatórios {$tag ->
    [rua] agregados
   *[ruf] de falha
} para ele
dmarc-missing = nenhum registro DMARC em {$name}
dmarc-missing_both = nenhum registro DMARC em {$name} nem em {$organizational}
dmarc-spf_at_dmarc = o registro TXT em {$name}, "{$record}", não é um registro DMARC (é um registro SPF, que deve ficar no próprio domínio, não em _dmarc): um registro DMARC começa com v=DMARC1
dmarc-not_dmarc = o registro TXT em {$name}, "{$record}", não é um registro DMARC: um registro DMARC começa com v=DMARC1
dmarc-policy_too_weak = a política DMARC que se aplica é {$policy}; o provedor exige pelo menos {$required}
dmarc-several_records = {$name} tem {$count} registros DMARC; os destinatários então não aplicam DMARC nenhum (RFC 7489 §6.6.3)
dmarc-invalid = o registro DMARC em {$name} não é válido: {$errors}
dmarc-reports_unauthorised = {$tag} envia relatórios para {$host}, outra organização, que não os autorizou: os destinatários não enviam nenhum até que {$host} publique o registro TXT "v=DMARC1" em {$authorization} (RFC 7489 §7.1)
dmarc-reports_lookup_failed = não foi possível saber se {$host} aceita relatórios de {$domain}: a consulta de {$authorization} falhou ({$reason})
dmarc-reports_not_looked_up = {$authorization} não foi consultado, então não se sabe se {$host} aceita relatórios de {$domain}
dmarc-inherited = nenhum registro em _dmarc do próprio domínio; o registro do domínio organizacional em {$name} se aplica a ele (política {$policy})
dmarc-pass = registro DMARC em {$name} (política {$policy})
dmarc-policy_none = a política none só monitora: os destinatários continuam entregando e-mails que falham no DMARC, então ela não protege o domínio contra falsificação
dmarc-lookup_failed = a consulta DNS do registro DMARC em {$name} falhou ({$reason}): tente de novo
dmarc-unusable = o registro DMARC em {$name} não pode ser usado: {$error}
dmarc-not_fetched = o registro DMARC em {$name} não foi obtido

## Um conjunto de MX
mx-missing = nenhum registro MX em {$name}
mx-null = {$name} publica um MX nulo ("0 .", RFC 7505): não aceita e-mails, então as devoluções enviadas a ele se perdem
mx-absent = {$name} não tem MX para {$hosts}
mx-extra = {$name} também lista {$hosts}: os e-mails dele podem ir para lá em vez de para o provedor
mx-preference = {$host} tem preferência {$found}; o provedor pede {$wanted}
mx-pass = {$name} tem os servidores MX do provedor

## Um registro TXT exato
verification-pass = o registro de propriedade está publicado
verification-other_token = {$name} tem um registro de propriedade com outro token: {$found}
txt-pass = {$name} tem o registro TXT
txt-missing = nenhum registro TXT {$value} em {$name}
txt-other_value = {$name} tem um registro da mesma forma com outro valor: {$found}

## Um registro publicado num nome parecido
lookalike-misplaced = ele está publicado em {$name}, {$why ->
    [doubled_zone] o nome da zona acrescentado duas vezes (um painel de DNS acrescenta a zona ao nome que recebe: informe o nome sem o domínio)
    [no_domainkey] o seletor sem _domainkey: os destinatários procuram a chave em SELETOR._domainkey.DOMÍNIO
    [dkim_at_domain] o próprio domínio: os destinatários procuram a chave em SELETOR._domainkey.DOMÍNIO
    [dmarc_at_domain] o próprio domínio: os destinatários só leem o DMARC em _dmarc.DOMÍNIO
   *[spf_at_spf] _spf, que nada referencia: os destinatários só leem o SPF no próprio domínio (um registro _spf só conta por meio de include:_spf.DOMÍNIO)
}
lookalike-move = encontrado no nome errado: {$name} contém {$values} — mova-o para {$wanted}
lookalike-wildcard = um curinga (wildcard) responde por {$name}: {$probe} (um nome que ninguém publica) recebe a mesma resposta, então este registro passa por acaso e muda com o curinga; publique-o explicitamente em {$name}

## DNSSEC por trás de um veredito
dnssec-not_valid = suas assinaturas DNSSEC não validam
dnssec-anchors_mismatch = não foi possível verificar o DNSSEC: as chaves do resolvedor DNS para {$zone} (identificadores {$tags}) não correspondem a nenhuma de {$anchors}; corrija [dns] trust_anchors, ou desative a verificação com --no-dnssec
dnssec-resolver_strips = não foi possível verificar o DNSSEC: o resolvedor DNS que o sendercheck consulta remove as assinaturas (RRSIG), então o sendercheck não consegue dizer se os destinatários que validam conseguem ler este registro; aponte o sendercheck para um resolvedor que repasse os registros DNSSEC, ou desative a verificação com --no-dnssec
dnssec-bogus = DNSSEC: {$cause}
dnssec-bogus_besides = DNSSEC: {$cause}; além disso: {$besides}
dnssec-anchors_builtin = as âncoras de confiança embutidas da raiz (IANA)
dnssec-anchors_file = as âncoras de confiança em {$path}
dnssec-what_rrset = {$record_type} {$owner}
dnssec-what_dnskey_set = o conjunto DNSKEY de {$zone}
dnssec-what_ds = o DS de {$zone} em {$parent}
dnssec-chain_failed = não foi possível obter a cadeia de confiança: {$detail}
dnssec-chain_unfetched = não foi possível obter a cadeia de confiança
dnssec-fetch_failed = não foi possível obter o {$record_type} de {$name}: {$detail}
dnssec-no_anchor_keys_error = o resolvedor DNS não deu nenhuma DNSKEY para {$zone} ({$detail}): não foi possível verificar o DNSSEC
dnssec-no_anchor_keys = o resolvedor DNS não deu nenhuma DNSKEY para {$zone}: não foi possível verificar o DNSSEC
dnssec-strips_signatures = o resolvedor DNS remove as assinaturas DNSSEC (nenhum RRSIG nas respostas pedidas com DO)
dnssec-anchors_unmatched = nenhuma DNSKEY de {$zone} (identificadores de chave {$tags}) corresponde a {$anchors}
dnssec-unsigned_in_signed_zone = {$what} não tem assinatura (RRSIG), embora {$zone} seja assinada (a zona pai publica um registro DS): os resolvedores que validam DNSSEC o recusam — assine a zona de novo, ou peça ao seu provedor de DNS
dnssec-unvalidated = não foi possível validar a resposta
dnssec-no_dnskey_with_ds = {$zone} não publica nenhuma DNSKEY, embora a zona pai publique um registro DS para ela: publique de novo as chaves da zona, ou remova o DS no seu registrador
dnssec-ds_mismatch = o DS de {$zone} em {$parent} (identificador de chave {$ds_tags}) não corresponde a nenhuma DNSKEY de {$zone} (identificadores {$key_tags}): os resolvedores que validam DNSSEC recusam a zona inteira — atualize o DS no seu registrador para a chave atual da zona, ou remova-o
dnssec-keys_not_signed_by_ds = {$what} não está assinado pela chave que o DS em {$parent} indica (identificador de chave {$tags}): assine o conjunto de chaves com essa chave, ou atualize o DS no seu registrador
dnssec-ds_unsigned = {$what} veio sem assinatura
dnssec-zone_bogus = as assinaturas de {$zone} não são válidas a partir de {$anchors}: os resolvedores que validam DNSSEC recusam os registros dela — assine a zona de novo, ou peça ao seu provedor de DNS
dnssec-expired = as assinaturas de {$what} expiraram em {$at}: a zona não está mais sendo assinada — assine-a de novo, ou peça ao seu provedor de DNS
dnssec-not_yet_valid = as assinaturas de {$what} só valem a partir de {$at}: o relógio do assinante está adiantado — assine a zona de novo com o relógio certo, ou peça ao seu provedor de DNS
dnssec-key_removed = {$what} está assinado com a chave {$tags}, que {$zone} não publica mais (uma troca de chaves a removeu cedo demais): publique a chave de novo, ou assine a zona de novo
dnssec-signature_mismatch = a assinatura de {$what} não corresponde ao registro (alterado depois da assinatura, ou corrompido): assine de novo a zona {$zone}, ou peça ao seu provedor de DNS

## Os servidores de nomes da zona
server-no_answer = sem resposta
server-held_back = não consultado: sem resposta desde {$since}
server-timed_out = sem resposta em {$milliseconds} ms
server-port_closed = recusado: nada escuta na porta {$port}
server-not_serving = não atende {$zone} ({$answered})
server-bogus = {$server} ({$address}) serve {$name} com DNSSEC que não valida: {$cause}; os destinatários cujo resolvedor o escolhe recebem SERVFAIL
server-lame = {$server} ({$address}) {$problem}: os destinatários que o escolhem ficam sem resposta; remova-o dos registros NS da zona ou faça-o atender a zona
server-view = {$server} ({$address}, serial {$serial}): {$status}
server-view_no_serial = {$server} ({$address}, sem serial): {$status}
propagation-inconsistent = os servidores de nomes da zona discordam sobre este registro — {$servers}; um servidor secundário talvez ainda não tenha a última versão da zona
propagation-withdrawn = os servidores da zona não publicam mais este registro como ele é aprovado aqui: o resolvedor serve uma resposta em cache, e os destinatários vão deixar de vê-lo
propagation-withdrawn_for = os servidores da zona não publicam mais este registro como ele é aprovado aqui: o resolvedor serve uma resposta em cache por até mais {$seconds} s, e os destinatários vão deixar de vê-lo
propagation-nothing_to_change = Nada a mudar: o registro já está em todos os servidores da zona. Os destinatários vão vê-lo assim que a resposta guardada em cache pelos resolvedores deles expirar.
propagation-nothing_to_change_by = Nada a mudar: o registro já está em todos os servidores da zona. Os destinatários vão vê-lo assim que a resposta guardada em cache pelos resolvedores deles expirar, por volta de {$at}.
propagation-propagating = publicado nos servidores da zona; o resolvedor ainda não o vê
propagation-propagating_until = publicado nos servidores da zona; o resolvedor ainda serve uma resposta mais antiga até por volta de {$at}

## As palavras da tabela de `sendercheck check` (palavras de estado, títulos de colunas e valores não mudam)

## Uma mensagem de teste recebida
message-unreadable = não é uma mensagem: {$detail}
message-spf_not_a_domain = "{$domain}" não é um nome de domínio cujo SPF possa ser verificado
message-spf_pass = {$ip} é permitido pelo registro SPF de {$domain}{$by}
message-spf_fail = {$ip} não é permitido pelo registro SPF de {$domain}{$by}: os destinatários recusam e-mails deste servidor para {$domain} — envie pelo provedor, ou adicione o servidor ao registro
message-spf_softfail = {$ip} não é permitido pelo registro SPF de {$domain}{$by} (softfail): os destinatários marcam o e-mail como suspeito
message-spf_neutral = o registro SPF de {$domain} não diz nada sobre {$ip}{$by}: não o permite nem o recusa
message-spf_decided_by = {" "}("{$term}" de {$domain})
message-spf_none = {$domain} não publica registro SPF
message-spf_dns_failed = a consulta DNS de {$name} para o SPF de {$domain} falhou ({$reason}): tente de novo
message-spf_dns_failed_somewhere = o DNS falhou ao avaliar o SPF de {$domain}: tente de novo
message-spf_too_many_lookups = o SPF de {$domain} exige mais consultas do que um destinatário faz: não pode ser avaliado
message-from_fields = a mensagem tem {$count} campos de cabeçalho From: a RFC 5322 §3.6 permite um, e destinatários como o Gmail recusam esse e-mail
message-no_from = a mensagem não tem endereço From: o DMARC não pode ser aplicado, e os destinatários recusam esse e-mail
message-from_domains = o cabeçalho From indica vários domínios ({$domains}): os destinatários não conseguem aplicar uma única política DMARC e podem recusar a mensagem (RFC 7489 §6.6.1)
message-dmarc_none = {$domain} não publica registro DMARC (em _dmarc.{$domain}): destinatários como Gmail e Yahoo exigem um de remetentes em massa — publique "{$record}"
message-alignment_strict = estrito
message-alignment_relaxed = flexível
message-aligned_dkim = DKIM (d={$domain}, alinhamento {$mode})
message-aligned_spf = SPF ({$domain}, alinhamento {$mode})
message-dmarc_aligned = alinhado: {$passes}
message-dkim_not_aligned = o DKIM não está alinhado, então a mensagem falha no DMARC quando encaminhada (o encaminhamento muda o servidor de envio, não a assinatura): assine com a própria chave DKIM do domínio
message-dmarc_fail = nem DKIM nem SPF passam para um domínio alinhado com {$domain}: {$dkim}; {$spf} — os destinatários aplicam p={$policy}
message-dkim_unsigned = a mensagem não tem assinatura DKIM
message-dkim_passes_elsewhere = o DKIM passa só para {$domains}, não para {$domain} — publique os registros DKIM do provedor para {$domain} para que ele assine como {$domain}
message-dkim_result = DKIM {$result} para d={$domain}: {$reason}
message-spf_not_aligned = o SPF passa para {$spf_domain}, que não está alinhado com {$domain} — o domínio de retorno (bounce) do provedor precisa estar sob {$domain}
message-spf_result = SPF {$result} para {$domain}
message-wrong_from = a mensagem é From {$from}, não {$domain}: não prova nada sobre {$domain} — envie o teste de um endereço em {$domain}
message-dmarc_passes_for = o DMARC passa para {$domain}: {$reason}
message-dmarc_fails_for = o DMARC falha para {$domain}: {$reason}
message-dmarc_error = DMARC {$result}: {$reason}
message-arc_none = a mensagem não traz conjuntos ARC
message-arc_unreadable = não foi possível ler os cabeçalhos ARC
message-arc_pass = { $sets ->
    [one] a cadeia de {$sets} conjunto ARC é válida
   *[other] a cadeia de {$sets} conjuntos ARC é válida
}
message-arc_key_failed = não foi possível obter uma chave ARC: {$detail}
message-arc_fail = a cadeia ARC não é válida: {$reason}
message-arc_tag_missing = o cabeçalho {$header} do conjunto ARC {$instance} não tem a tag {$tag}=, de que os destinatários precisam (RFC 8617 §4.1; os nomes de tags diferenciam maiúsculas de minúsculas, RFC 6376 §3.2): o intermediário que o adicionou escreveu um conjunto inválido
message-arc_tag_case = o cabeçalho {$header} do conjunto ARC {$instance} tem {$tag}= e {$written}= com valores diferentes: os nomes de tags diferenciam maiúsculas de minúsculas, então os destinatários leem só {$tag}= (RFC 6376 §3.2) e o conjunto, como está escrito, não se verifica para eles; o intermediário que o adicionou deve remover {$written}=
message-arc_tag_alone = o cabeçalho {$header} do conjunto ARC {$instance} tem {$written}= mas não {$tag}=: os nomes de tags diferenciam maiúsculas de minúsculas, então os destinatários ignoram {$written}= (RFC 6376 §3.2) enquanto alguns verificadores o aplicam, e os dois veredictos diferem; o intermediário que o adicionou deve escrever {$tag}=


## Por que o estado de um domínio mudou
history-registered = cadastrado
history-registered_again = cadastrado de novo
history-unregistered = removido
history-profile_changed = perfil alterado de {$from} para {$to}
history-token_changed = token de verificação alterado
history-params_changed = parâmetros do perfil alterados
history-passes = cada registro obrigatório é válido{$changes}
history-passes_again = cada registro obrigatório é válido de novo{$changes}
history-window_expired = ainda com falha depois da janela de propagação de {$window}: {$failing}
history-checks_failed = {$count} verificações seguidas falharam: {$failing}{$changes}
history-changes = {" "}({$list})

ui-cli-heading = {$domain} (perfil {$profile}): {$verdict}, {$attention ->
    [one] {$attention} de {$total} registros precisa de atenção
   *[other] {$attention} de {$total} registros precisam de atenção
}
ui-cli-ready = pronto
ui-cli-not_ready = não está pronto
ui-cli-unknown = desconhecido (o DNS não respondeu)
ui-cli-dnssec_secure = DNSSEC: seguro (zona {$zone})
ui-cli-dnssec_insecure = DNSSEC: não seguro (a zona {$zone} não é assinada)
ui-cli-dnssec_bogus = DNSSEC: {$state} (zona {$zone}): {$reason}
ui-cli-dnssec_not_valid = as assinaturas não validam
ui-cli-dnssec_unchecked = DNSSEC: não foi possível verificar: {$reason}
ui-cli-dnssec_no_chain = não foi possível obter a cadeia de confiança
ui-cli-valid_after = válido depois de {$at}: todos os registros exigidos estão publicados; até lá os resolvedores ainda servem respostas antigas
ui-cli-expected = esperado: {$expected}
ui-cli-recommended = recomendado pelo provedor: não impede que fique pronto
ui-cli-fix = correção:
ui-cli-no_single_fix = nenhum registro sozinho resolve isso; veja os avisos
ui-cli-fix_publish = correção: publicar
ui-cli-fix_replace = correção: substituir
ui-cli-fix_remove = correção: remover
ui-cli-in_place_of = (no lugar de "{$old}")
ui-cli-warning = aviso:
ui-cli-profile_docs = documentação
ui-cli-profile_param = parâmetro
ui-cli-profile_required = obrigatório
ui-cli-profile_default = padrão {$value}
ui-cli-profile_recommended = recomendado
ui-cli-profile_when = quando {$params}
ui-cli-profile_or = ou
ui-smtp-pass = aprovado
ui-smtp-pass_warnings = aprovado, com avisos
ui-smtp-fail = FALHOU
ui-smtp-error = não foi possível testar
ui-smtp-tls = TLS: {$version}, {$cipher}
ui-smtp-certificate = Certificado: {$names} — emitido por {$issuer}, até {$until}, {$trusted}, {$matches}
ui-smtp-trusted = confiável
ui-smtp-not_trusted = NÃO confiável
ui-smtp-name_matches = o nome corresponde
ui-smtp-name_mismatch = o nome NÃO corresponde
ui-smtp-extensions = Extensões: {$list}
ui-cli-unchecked_token = O registro de propriedade não foi verificado: informe --token para verificá-lo.
ui-cli-unchecked_param = O registro {$kind} em {$name} não foi verificado: informe --param {$param}=… para verificá-lo.
ui-cli-dkim_heading = DKIM: {$result} ({$count ->
    [0] nenhuma assinatura
    [one] uma assinatura
   *[other] {$count} assinaturas
})
ui-cli-dkim_heading_from = DKIM: {$result} ({$count ->
    [0] nenhuma assinatura
    [one] uma assinatura
   *[other] {$count} assinaturas
}), domínio From {$from}
ui-cli-dkim_dmarc_satisfied = DMARC: o DKIM sozinho satisfaz o DMARC (uma assinatura válida está alinhada com o From)
ui-cli-dkim_dmarc_not_satisfied = DMARC: o DKIM não satisfaz o DMARC para esta mensagem (nenhuma assinatura válida está alinhada com o From)
ui-cli-dkim_key = chave {$type}, {$bits} bits
ui-cli-dkim_key_not_fetched = chave não obtida
ui-cli-dkim_aligned_strict = alinhada com o From (estrito)
ui-cli-dkim_aligned_relaxed = alinhada com o From (relaxado)
ui-cli-dkim_relaxed_not_enough = não alinhada: o DMARC do domínio From pede adkim=s e o d= só está alinhado no modo relaxado
ui-cli-dkim_not_aligned = não alinhada com o From: não conta para o DMARC
ui-cli-dkim_registered_required = registrado com o perfil {$profile}; o seletor é um dos que ele exige
ui-cli-dkim_registered_not_required = registrado com o perfil {$profile}; o seletor não é um dos que ele exige
ui-cli-dkim_no_signature = A mensagem não tem cabeçalho DKIM-Signature.

## Uma assinatura DKIM de uma mensagem
dkim-sig-pass = assinatura verificada
dkim-sig-none = sem assinatura
dkim-sig-body_changed = o hash do corpo não confere: o corpo foi alterado depois da assinatura
dkim-sig-expired = assinatura expirada (o horário x= já passou)
dkim-sig-identity_strict = i= não está dentro de d=, o que o t=s da chave não permite
dkim-sig-length = l= é maior que o corpo
dkim-sig-failed = a assinatura não foi verificada: um cabeçalho assinado foi alterado depois da assinatura, ou a chave não corresponde
dkim-sig-unsupported_algorithm = algoritmo não suportado
dkim-sig-malformed = cabeçalho DKIM-Signature malformado: {$detail}
dkim-sig-malformed_tags = cabeçalho DKIM-Signature malformado: {$problem} (RFC 6376 §3.2)
dkim-sig-version = o v= da assinatura deve ser 1 (RFC 6376 §3.5)
dkim-sig-tag_missing = a assinatura não tem a tag {$tag}=, que toda assinatura DKIM precisa ter (RFC 6376 §3.5)
dkim-sig-tag_case = a assinatura tem {$tag}= e {$written}= com valores diferentes: os nomes de tags diferenciam maiúsculas de minúsculas, então os destinatários leem só {$tag}= (RFC 6376 §3.2); remova {$written}=
dkim-sig-tag_case_alone = a assinatura tem {$written}= mas não {$tag}=: os nomes de tags diferenciam maiúsculas de minúsculas, então os destinatários ignoram {$written}= (RFC 6376 §3.2) enquanto alguns verificadores o aplicam como {$tag}=, e os dois veredictos diferem; o signatário deve escrever {$tag}=
dkim-sig-from_unsigned = h= não lista From: uma assinatura que não assina o From deve ser ignorada (RFC 6376 §6.1.1)
dkim-sig-identity_outside = i={$identity} não está dentro de d={$domain} (RFC 6376 §6.1.1)
dkim-sig-key_timeout = tempo de DNS esgotado ao buscar a chave em {$name}
dkim-sig-key_dns_failed = falha temporária de DNS ao buscar a chave em {$name}: {$reason}
dkim-sig-key_not_found = chave não encontrada: nenhum registro TXT em {$name}
dkim-sig-key_revoked = chave revogada: o registro em {$name} tem p= vazio
dkim-sig-key_unsupported = tipo de chave não suportado no registro em {$name}
dkim-sig-key_invalid = registro de chave inválido em {$name}: não é uma chave DKIM válida
dkim-sig-key_unusable = a chave em {$name} não pode ser usada: {$detail}
dkim-sig-key_tags = registro de chave inválido em {$name}: {$problem} (RFC 6376 §3.2)
dkim-sig-key_version = registro de chave inválido em {$name}: v= deve vir primeiro e valer DKIM1 (RFC 6376 §3.6.1)
dkim-sig-key_tag_case = registro de chave inválido em {$name}: tem {$written}= mas não p=, e os nomes de tags diferenciam maiúsculas de minúsculas, então os destinatários não encontram chave (RFC 6376 §3.2); renomeie {$written}= para p=
dkim-sig-key_hash = a chave em {$name} só permite h={$hashes}, não o {$hash} da assinatura (RFC 6376 §3.6.1)
dkim-sig-key_service = a chave em {$name} é para s={$services}, não para e-mail (RFC 6376 §3.6.1)
dkim-sig-key_type = a chave em {$name} é k={$key_type}, que não pode verificar {$algorithm} (RFC 6376 §6.1.2)
dkim-sig-rsa_sha1 = assinaturas rsa-sha1 não são aceitas (RFC 8301 §3.1)
dkim-sig-rsa_too_short = a chave RSA tem {$bits} bits, abaixo do mínimo de {$min} bits (RFC 8301 §3.2)
dkim-sig-partial_body = l={$bytes} assina só os primeiros {$bytes} bytes do corpo: o que for acrescentado depois não fica assinado
dkim-sig-testing = a chave está em modo de teste (t=y): os destinatários podem tratar este e-mail como não assinado
dkim-sig-skipped = ignorada: só as {$max} primeiras assinaturas de uma mensagem são verificadas

## O teste do gateway SMTP
smtp-dns-resolved = {$addresses}
smtp-dns-failed = não foi possível resolver {$host}: DNS {$reason}
smtp-dns-no_address = {$host} não tem registro A nem AAAA: confira o nome do servidor
smtp-connect-ok = conectado a {$address}
smtp-connect-refused = {$address} recusou a conexão: nada escuta na porta {$port} (confira a porta, ou um firewall que a rejeita)
smtp-connect-failed = não foi possível conectar a {$address}: {$reason}
smtp-connect-timeout = nenhuma resposta de {$address} em {$seconds} s: um firewall bloqueia a porta {$port}, ou o servidor está fora do ar (muitas redes bloqueiam a porta 25 de saída)
smtp-deadline = os {$seconds} s do teste acabaram depois da etapa {$step}: o gateway responde devagar demais; tente a linha de comando com um --timeout maior
smtp-tls-plain_greeting = { $port ->
    [465] a porta 465 espera TLS implícito
   *[other] foi pedido TLS implícito na porta {$port}
} mas o servidor respondeu em texto simples: use a segurança starttls (normalmente a porta 587), ou none
smtp-tls-ok = {$version}, {$cipher}
smtp-tls-bad_name = {$host} não pode ser um nome TLS: {$reason}
smtp-tls-not_tls = o servidor não respondeu em TLS ({$detail}): a porta {$port} talvez espere STARTTLS (segurança starttls, normalmente a porta 587) ou SMTP sem criptografia
smtp-tls-no_shared = o servidor e este cliente não têm nenhuma versão ou cifra TLS em comum ({$detail}): o servidor precisa aceitar TLS 1.2 ou mais recente com cifras atuais
smtp-tls-failed = a negociação TLS falhou: {$detail}
smtp-tls-timeout = a negociação TLS não terminou em {$seconds} s
smtp-certificate-ok = confiável, para {$names}, válido até {$until}
smtp-certificate-none = o servidor não apresentou nenhum certificado
smtp-certificate-accepted = {$problem} (aceito: --insecure)
smtp-certificate-refused = {$problem}. Os programas de e-mail o recusam; --insecure permite testar o resto
smtp-certificate-untrusted = o certificado não foi emitido por uma autoridade confiável (emissor: {$issuer}): é autoassinado ou de uma autoridade privada; instale um de uma autoridade pública, ou confie nessa autoridade com --ca-file
smtp-certificate-expired_on = o certificado expirou em {$at}: renove-o
smtp-certificate-expired = o certificado expirou: renove-o
smtp-certificate-not_yet_valid = o certificado ainda não é válido (confira o relógio do servidor)
smtp-certificate-revoked = o certificado foi revogado
smtp-certificate-unverifiable = o certificado não pode ser verificado: {$detail}
smtp-certificate-wrong_name = o certificado é para {$names}, não para {$host}: conecte a um nome que ele cobre, ou instale um certificado para {$host}
smtp-certificate-also_wrong_name = além disso, é para {$names}, não para {$host}
smtp-certificate-no_name = nenhum nome
smtp-greeting-ok = {$reply}
smtp-greeting-refused = o servidor recusou a sessão: {$reply}
smtp-greeting-timeout = o servidor aceitou a conexão mas não enviou saudação em {$seconds} s: { $port ->
    [465] a porta 465 normalmente espera TLS implícito — use a segurança tls
   *[other] se esta porta espera TLS implícito (normalmente a 465), use a segurança tls
}
smtp-greeting-garbled = os primeiros bytes do servidor não são uma saudação SMTP ({$line}): se ele fala TLS desde o início, use a segurança tls (normalmente a porta 465)
smtp-greeting-failed = nenhuma saudação: {$reason}
smtp-ehlo-ok = {$reply}: {$extensions}
smtp-ehlo-ok_tls = {$reply} (sobre TLS): {$extensions}
smtp-ehlo-no_extensions = nenhuma extensão
smtp-ehlo-helo_only = EHLO recusado ({$reply}), HELO aceito: um servidor antigo sem extensões (sem STARTTLS, sem AUTH)
smtp-ehlo-refused = EHLO recusado: {$reply}
smtp-ehlo-failed = EHLO: {$reason}
smtp-starttls-ok = {$reply}
smtp-starttls-not_offered = o servidor não oferece STARTTLS na porta {$port}: use a segurança tls se ele fala TLS em outra porta (465), ou none para testar sem criptografia
smtp-starttls-refused = STARTTLS recusado: {$reply}
smtp-starttls-failed = STARTTLS: {$reason}
smtp-auth-ok = conectado como {$username} ({$mechanism}): {$reply}
smtp-auth-skipped = nenhum nome de usuário informado: o login não foi tentado
smtp-auth-no_password = foi informado um nome de usuário sem senha (--password-env VAR indica a variável que a contém)
smtp-auth-plaintext_refused = a senha não será enviada por uma conexão sem criptografia: use a segurança starttls ou tls (ou --allow-plaintext-auth numa rede confiável)
smtp-auth-refused = a autenticação falhou: {$reply}
smtp-auth-not_offered = o servidor não oferece AUTH nesta conexão: ele não aceita login aqui (um relay que confia no endereço IP), ou só em outra porta
smtp-auth-mechanisms = o servidor oferece só {$mechanisms} para AUTH; o sendercheck faz login com PLAIN ou LOGIN
smtp-auth-failed = autenticação: {$reason}
smtp-quit-ok = {$reply}
smtp-quit-unexpected = QUIT recebeu {$reply} em vez de 221
smtp-quit-closed = o servidor fechou a conexão sem responder ao QUIT
smtp-quit-failed = QUIT: {$reason}
smtp-not_dialled = {$host} também resolve para {$addresses}, não contatados: não são endereços públicos, e nenhum padrão permitido em [smtp] os inclui
smtp-io-timeout = nenhuma resposta em {$seconds} s
smtp-io-closed = o servidor fechou a conexão
smtp-io-garbled = a resposta do servidor não é SMTP: {$line}
smtp-io-error = {$detail}
smtp-hint-google_app_password = O Google exige uma senha de app quando a verificação em duas etapas está ativada: crie uma em myaccount.google.com/apppasswords e use-a no lugar da senha da conta.
smtp-hint-google_credentials = O Google não aceitou o nome de usuário e a senha. Com a verificação em duas etapas ativada, só uma senha de app funciona (myaccount.google.com/apppasswords); o nome de usuário é o endereço completo.
smtp-hint-m365_auth_disabled = O Microsoft 365 recusou a autenticação básica: o SMTP AUTH está desativado para o locatário ou para esta caixa de correio (Centro de administração do Microsoft 365 → o usuário → Email → Gerenciar aplicativos de email → SMTP Autenticado), ou os padrões de segurança o bloqueiam.
smtp-hint-m365_credentials = O Microsoft 365 não aceitou as credenciais: confira o endereço completo e a senha, e se o SMTP AUTH está ativado para a caixa de correio.
smtp-hint-starttls_first = O servidor exige STARTTLS antes de qualquer outro comando: use a segurança starttls (porta 587).
smtp-hint-encryption_required = O servidor só aceita este mecanismo de autenticação numa conexão criptografada: use a segurança starttls ou tls.
smtp-hint-credentials = O servidor recusou o nome de usuário ou a senha.
smtp-hint-temporary = O servidor não conseguiu autenticar agora (uma falha temporária): tente de novo mais tarde; se persistir, a conta pode estar bloqueada.

## As páginas web: as palavras da interface (códigos e valores DNS nunca são traduzidos)
ui-page-date = %-d de %B de %Y, %H:%M:%S UTC
ui-page-skip = Ir para o conteúdo
ui-page-main_nav = Navegação principal
ui-page-nav_check = Verificar
ui-page-nav_domains = Domínios
ui-page-nav_dkim = DKIM
ui-page-nav_audit = Auditoria
ui-page-language = Idioma
ui-page-signed_in_as = Conectado como
ui-page-sign_out = Sair
ui-page-needs_scope = O escopo do seu token não permite {$what} (é preciso {$scope}).
ui-page-needs_check_domain = verificar um domínio aqui
ui-page-needs_judge = analisar uma mensagem aqui
ui-page-needs_test_address = criar um endereço de teste
ui-page-status-pass = válido
ui-page-status-fail = com falha
ui-page-status-missing = ausente
ui-page-status-error = erro
ui-page-domain-verified = verificado
ui-page-domain-pending = pendente
ui-page-domain-failing = com falha
ui-page-domain-unregistered = removido
ui-page-copy = Copiar
ui-page-copied = Copiado
ui-page-copy_failed = Selecione e copie
ui-page-copied_status = Copiado:
ui-page-copy_failed_status = A cópia falhou: selecione o texto e copie
ui-page-copy_what = Copiar {$what}
ui-page-copy_type = o tipo
ui-page-copy_name = o nome
ui-page-copy_value = o valor
ui-page-copy_zone = a linha de zona
ui-page-copy_address = o endereço de teste
ui-page-copy_results = o cabeçalho Authentication-Results
ui-page-record_at = registro {$kind} em {$name}
ui-page-recommended = (recomendado)
ui-page-expected = Esperado
ui-page-found = Encontrado
ui-page-nothing = nada
ui-page-fix = Correção
ui-page-no_single_fix = Nenhum registro sozinho corrige isto; veja os avisos.
ui-page-publish = Publicar
ui-page-replace = Substituir
ui-page-remove = Remover
ui-page-in_place_of = no lugar de
ui-page-type = Tipo
ui-page-name = Nome
ui-page-value = Valor
ui-page-zone_line = Linha de zona
ui-page-warnings = Avisos
ui-page-propagation = Propagação:
ui-page-propagation-published = publicado
ui-page-propagation-propagating = em propagação
ui-page-propagation-not_published = não publicado
ui-page-propagation-inconsistent = inconsistente
ui-page-expected_by = previsto para
ui-page-servers_caption = Cada servidor autoritativo, e o resolvedor
ui-page-server = Servidor
ui-page-address = Endereço
ui-page-status = Estado
ui-page-soa_serial = Número de série SOA
ui-page-resolver = resolvedor
ui-page-cached = em cache {$seconds} s
ui-page-dnssec_secure = seguro{$zone}: assinado, e cada assinatura é válida até a raiz
ui-page-dnssec_insecure = não seguro{$zone}: não assinado; os destinatários aceitam os registros como estão
ui-page-dnssec_bogus = inválido{$zone}: {$reason}
ui-page-dnssec_not_valid = as assinaturas não são válidas: os resolvedores que validam DNSSEC recusam os registros
ui-page-dnssec_bogus_record = inválido{$zone}: os resolvedores que validam DNSSEC recusam este registro
ui-page-dnssec_unchecked = não foi possível verificar{$zone}: {$reason}
ui-page-ready = Pronto para enviar: cada registro obrigatório é válido.
ui-page-not_ready = Não está pronto: veja os registros abaixo.
ui-page-valid_after = Cada registro obrigatório está publicado; os resolvedores ainda servem respostas antigas até
ui-page-domain = Domínio
ui-page-profile = Perfil do provedor
ui-page-profile_short = Perfil
ui-page-show_fields = Mostrar os campos deste perfil
ui-page-parameters_of = Parâmetros de {$profile}
ui-page-required = (obrigatório)
ui-page-check_now = Verificar agora
ui-page-result_for = Resultado para
ui-page-register = Cadastrar {$domain} e continuar verificando
ui-page-per_status = Domínios por estado
ui-page-all = todos
ui-page-domain_contains = O domínio contém
ui-page-any = qualquer
ui-page-filter = Filtrar
ui-page-export_csv = Exportar como CSV
ui-page-no_match = Nenhum domínio cadastrado corresponde.
ui-page-registered = Domínios cadastrados
ui-page-last_check = Última verificação
ui-page-next_check = Próxima verificação
ui-page-paused_note = (pausado)
ui-page-not_yet = ainda não
ui-page-next_page = Próxima página
ui-page-since = desde
ui-page-checks = Verificações
ui-page-checks_paused = pausadas: sem verificação, sem eventos de webhook
ui-page-checks_running = ativas
ui-page-not_yet_soon = ainda não (começa em alguns segundos)
ui-page-check_again = Verificar de novo agora
ui-page-resume = Retomar as verificações
ui-page-pause = Pausar as verificações
ui-page-delete = Excluir o cadastro
ui-page-records = Registros
ui-page-no_check_yet = Nenhuma verificação terminou ainda.
ui-page-history = Histórico
ui-page-test_message = Mensagem de teste
ui-page-test_intro = Os registros DNS mostram que as chaves estão publicadas, não que o provedor assina com elas. Peça ao cliente que envie uma mensagem pelo provedor dele,
ui-page-test_from = de um endereço em {$domain}
ui-page-test_to = , para o endereço abaixo: os resultados SPF, DKIM, DMARC e ARC aparecem aqui.
ui-page-proven = Comprovado por uma mensagem real em
ui-page-test_off = Os endereços de teste estão desativados: defina [inbound] domain e listen na configuração, e aponte o MX desse domínio para este serviço.
ui-page-valid_until = válido até
ui-page-new_address = Novo endereço de teste
ui-page-get_address = Obter um endereço de teste
ui-page-no_message = Nenhuma mensagem recebida ainda. Esta lista se atualiza sozinha.
ui-page-no_subject = (sem assunto)
ui-page-message_named = Mensagem {$subject}
ui-page-received = Recebida
ui-page-from_client = de
ui-page-over_tls = por TLS
ui-page-none = (nenhum)
ui-page-aligned = alinhado
ui-page-headers = Cabeçalhos como recebidos
ui-page-probe_title = Testar o gateway SMTP do cliente
ui-page-host = Servidor
ui-page-port = Porta
ui-page-security = Segurança
ui-page-security_by_port = pela porta
ui-page-security_tls = TLS desde o início
ui-page-security_none = nenhuma
ui-page-username = Nome de usuário (opcional)
ui-page-password = Senha (usada uma vez, nunca guardada)
ui-page-helo = Nome EHLO (opcional)
ui-page-probe = Testar
ui-page-gateway = Gateway SMTP
ui-page-probe_fail = falhou
ui-page-bad_port = a porta deve ser um número de 1 a 65535, não "{$port}"
ui-page-raw_message = Mensagem bruta (cabeçalhos e corpo, como recebida)
ui-page-upload = …ou envie um arquivo .eml
ui-page-verify_dkim = Verificar DKIM
ui-page-verdict = Resultado
ui-page-from_domain = domínio From
ui-page-aligned_pass = uma assinatura alinhada é válida: o DKIM sozinho satisfaz o DMARC
ui-page-signatures = Assinaturas
ui-page-algorithm = Algoritmo
ui-page-result = Resultado
ui-page-aligned_column = Alinhada
ui-page-reason = Motivo
ui-page-yes = sim
ui-page-no = não
ui-page-too_large = A mensagem é maior que limits.max_message_bytes.
ui-page-login_failed = Este não é o token da API, nem nenhum token deste serviço.
ui-page-token = Token (server.api_token ou um dos [[tokens]])
ui-page-sign_in = Entrar
ui-page-token_short = Token
ui-page-no_changes = Nenhuma alteração registrada.
ui-page-when = Quando
ui-page-action = Ação
ui-page-detail = Detalhe
ui-page-no_token = (sem token)
ui-page-title_check = Verificar um domínio agora
ui-page-title_register = Cadastrar
ui-page-title_domains = Domínios
ui-page-title_domain = Domínio
ui-page-title_audit = Registro de auditoria
ui-page-title_dkim = Verificar uma assinatura DKIM
ui-page-title_sign_in = Entrar
ui-page-title_refused = Formulário recusado
ui-page-title_not_allowed = Não permitido
ui-page-title_too_many = Tentativas demais
ui-page-refused_no_session = Este formulário não tem sessão: abra a página de novo e envie a partir dela.
ui-page-refused_no_token_session = Este formulário não tem sessão conectada com um token: abra a página de novo, entre e envie a partir dela.
ui-page-refused_csrf = Este formulário não veio de uma página do sendercheck (o token CSRF falta ou está errado): abra a página de novo e envie a partir dela.
ui-page-refused_sign_in = Este formulário de login não veio de uma página do sendercheck.
ui-page-refused_scope = Você está conectado com o token "{$token}", de escopo {$scope}; isto exige {$needed}. Saia e entre com um token que o tenha.
ui-page-too_many_sign_ins = Logins com falha demais a partir deste endereço: tente de novo em {$seconds} segundos.
