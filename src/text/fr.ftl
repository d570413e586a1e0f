# Les messages de sendercheck en français : une entrée par code de src/text/codes.rs (points
# écrits en tirets). Les paramètres sont des valeurs (noms, termes, enregistrements) montrées
# telles quelles ; les nombres choisissent le pluriel. Écrits pour un client qui n'est pas
# expert du DNS, avec les mots des pages d'aide des fournisseurs (« enregistrement TXT »,
# « zone DNS », « serveur de noms »).

join-and = {" et "}
join-or = {" ; ou "}

stored-text = {$text}

## Réponses DNS
dns-lookup_failed = la requête DNS {$query} a échoué : {$reason}
dns-not_looked_up = {$query} n'a pas été interrogé
dns-timeout = délai dépassé
dns-servfail = SERVFAIL (échec du serveur)
dns-refused = REFUSED (requête refusée)
dns-unreachable = aucun serveur DNS n'écoute à {$servers} (pas de réponse en UDP, connexion TCP refusée)
dns-other = {$reason}

## Tout enregistrement
record-as_expected = l'enregistrement à {$name} est conforme
record-parameter_missing = vérification impossible : l'inscription ne donne pas le paramètre {$parameter}
record-also_accepted = également accepté à la place : {$alternatives}
record-alternative = {$records}
record-alternative_cname = CNAME {$name} → {$target}
record-alternative_dkim_key = une clé DKIM en enregistrement TXT à {$name}
record-alternative_mx = MX {$hosts} à {$name}
record-alternative_spf = SPF à {$name} autorisant {$include}
record-alternative_txt = TXT "{$value}" à {$name}
record-alternative_dmarc = DMARC à {$name}

## Ce qu'un profil attend
expect-spf = un enregistrement SPF qui autorise {$include}
expect-cname = un CNAME vers {$target}
expect-dkim_key = une clé DKIM avec p={$key} (toute clé valide si elle n'est pas donnée)
expect-dkim_key_typed = une clé DKIM de type {$key_type} avec p={$key} (toute clé valide si elle n'est pas donnée)
expect-dkim_any_key = une clé DKIM valide
expect-dkim_any_key_typed = une clé DKIM valide de type {$key_type}
expect-mx = MX {$hosts}
expect-txt = {$value}
expect-dmarc = un enregistrement DMARC valide
expect-dmarc_policy = un enregistrement DMARC valide avec au moins p={$policy}

## Syntaxe SPF (RFC 7208 §12)
spf-syntax-record = {$problem} (RFC 7208 {$section})
spf-syntax-term = terme {$number} "{$term}" : {$problem} (RFC 7208 {$section})
spf-syntax-modifier_repeated = le modificateur {$modifier}= ne peut apparaître qu'une fois
spf-syntax-modifier_no_name = un modificateur doit avoir un nom avant '='
spf-syntax-modifier_name_letter = le nom de modificateur "{$name}" doit commencer par une lettre
spf-syntax-all_argument = 'all' ne prend pas d'argument
spf-syntax-needs_domain = '{$mechanism}' doit être suivi de ':' et d'un domaine
spf-syntax-unexpected_after = "{$text}" inattendu après '{$mechanism}'
spf-syntax-ptr_prefix = 'ptr' ne prend pas de longueur de préfixe
spf-syntax-needs_address = '{$mechanism}' doit être suivi de ':' et d'une adresse
spf-syntax-ip4_invalid = "{$address}" n'est pas une adresse IPv4 (quatre nombres de 0 à 255 sans zéro initial)
spf-syntax-ip4_prefix = la longueur de préfixe IPv4 "{$prefix}" doit aller de 0 à 32, sans zéro initial
spf-syntax-ip6_invalid = "{$address}" n'est pas une adresse IPv6 (RFC 4291 §2.2)
spf-syntax-ip6_prefix = la longueur de préfixe IPv6 "{$prefix}" doit aller de 0 à 128, sans zéro initial
spf-syntax-bad_prefix = "{$text}" n'est pas une longueur de préfixe valide
spf-syntax-empty_mechanism = nom de mécanisme vide
spf-syntax-unknown_mechanism = mécanisme inconnu "{$name}"
spf-syntax-domain_needed = '{$what}' doit être suivi d'un domaine
spf-syntax-domain_two_labels = "{$text}" n'est pas un nom de domaine : il faut au moins deux labels
spf-syntax-domain_empty_label = "{$text}" se termine par un label vide
spf-syntax-domain_bad_toplabel = "{$text}" se termine par "{$label}", qui n'est pas un label de premier niveau valide (lettres, chiffres et tirets internes, pas uniquement des chiffres)
spf-syntax-bad_character = le caractère {$character} n'est pas autorisé ici (ASCII visible uniquement)
spf-syntax-macro_unclosed = une macro "%{"{"}" n'est pas fermée par '{"}"}'
spf-syntax-percent = '%' doit être suivi de '{"{"}', '%', '_' ou '-' (écrivez %% pour un % littéral)
spf-syntax-macro_empty = une macro vide "%{"{"}{"}"}"
spf-syntax-macro_letter = "%{"{"}{$body}{"}"}" : lettre de macro inconnue
spf-syntax-macro_exp_only = "%{"{"}{$body}{"}"}" : les lettres de macro c, r et t ne sont permises que dans le texte exp=
spf-syntax-macro_zero_parts = "%{"{"}{$body}{"}"}" : le nombre de parties ne peut pas être zéro
spf-syntax-macro_delimiter = "%{"{"}{$body}{"}"}" : '{$delimiter}' n'est pas un délimiteur de macro (un de . - + , / _ =)

## Évaluation SPF (RFC 7208 §4-§6)
spf-at = {$via} : {$problem}
spf-term_of = terme {$number} "{$term}" de {$domain}
spf-quoted_term_of = terme "{$term}" de {$domain}
spf-record_invalid_at = l'enregistrement SPF de {$domain} n'est pas valide : {$errors}
spf-several_records_at = {$domain} publie {$count} enregistrements SPF (RFC 7208 §4.5)
spf-too_many_lookups = le SPF demande plus de {$max} requêtes DNS : le terme "{$term}" de {$domain} est la requête {$lookup} (RFC 7208 §4.6.4)
spf-too_many_void_lookups = le terme "{$term}" de {$domain} est la requête {$lookup} qui ne renvoie aucun enregistrement : plus que la limite de {$max} (RFC 7208 §4.6.4)
spf-loop = {$via} renvoie à {$target}, dont l'enregistrement est déjà en cours d'évaluation (boucle)
spf-redirect_no_record = {$target} n'a pas d'enregistrement SPF (RFC 7208 §6.1)
spf-include_no_record = {$target} n'a pas d'enregistrement SPF (RFC 7208 §5.2)
spf-too_many_mx = {$target} a {$count} serveurs MX, plus que la limite de {$max} (RFC 7208 §4.6.4)
spf-ptr_used = "{$term}" de {$domain} utilise 'ptr', que la RFC 7208 §5.5 déconseille : il est lent et de nombreux destinataires l'ignorent
spf-target_not_fqdn = "{$name}" n'est pas un nom de domaine complet
spf-target_empty_label = "{$name}" contient un label vide
spf-target_long_label = le label "{$label}" dépasse 63 caractères

## L'enregistrement SPF à publier
spf-fix-drops_voids = l'enregistrement proposé omet {$terms} : leurs requêtes ne renvoient aucun enregistrement, ils n'autorisent donc rien, et plus de {$max} requêtes de ce genre sont une erreur permanente (RFC 7208 §4.6.4)
spf-fix-near_limit = l'enregistrement proposé utilise {$lookups} requêtes DNS sur {$max} : un include de plus le casse
spf-fix-corrected_term = "{$from}" en "{$to}"
spf-fix-corrects = l'enregistrement proposé corrige {$terms}
spf-fix-misspelled_include = l'enregistrement proposé remplace "{$term}" : {$target} ressemble à une faute de frappe pour {$provider}, et un nom sans enregistrement SPF fait de l'include une erreur permanente (RFC 7208 §5.2)
spf-fix-drops_invalid = l'enregistrement proposé retire des termes qui ne sont pas du SPF valide : {$terms}
spf-fix-target_no_record = {$target} ne publie pas d'enregistrement SPF
spf-fix-target_invalid = le SPF de {$target} n'est pas valide
spf-fix-drops_broken = l'enregistrement proposé omet "{$term}" ({$reason}), qui fait répondre permerror à tous les destinataires ; corrigez l'enregistrement de {$target} avant de le rajouter
spf-fix-flattened = l'enregistrement proposé remplace "{$term}" par {$count ->
    [one] la plage d'adresses
   *[other] les {$count} plages d'adresses
} que publie {$target}, pour rester sous {$max} requêtes DNS ; quand {$target} les change, cette copie devient périmée
spf-fix-too_many_lookups = il lui faut au moins {$lookups} requêtes DNS (la limite est {$max}), même en remplaçant par leurs adresses les includes qui ne listent que des adresses ; retirez les includes des services que vous n'utilisez plus, ou demandez à leurs fournisseurs un enregistrement plus petit
spf-fix-unfixable = aucun enregistrement seul ne corrige cela en l'état : l'enregistrement proposé échoue encore parce que {$reason}
spf-fix-provider_still_fails = aucun enregistrement seul ne corrige cela en l'état : avec l'enregistrement proposé, le courrier de {$provider} ({$address}) obtient encore '{$result}'
spf-fix-unproven = l'enregistrement proposé n'a pas pu être vérifié avec les réponses DNS disponibles

## Requêtes DNS derrière un verdict
dns-query_failed = {$query} : {$reason}
dns-lookups_failed = des requêtes DNS ont échoué : {$failures}

## L'enregistrement SPF (RFC 7208)
spf-expected = include:{$provider} dans l'enregistrement SPF
spf-missing = aucun enregistrement SPF à {$domain}
spf-lookalike = aucun enregistrement SPF à {$domain} : "{$record}" n'en est pas un, car un enregistrement SPF doit commencer exactement par "v=spf1" suivi d'une espace (RFC 7208 §4.5)
spf-cname = {$domain} est un CNAME vers {$target} : les destinataires lisent l'enregistrement SPF de {$target}, et aucun enregistrement TXT ne peut être publié à côté d'un CNAME (RFC 2181 §10.1) ; publiez l'enregistrement à {$target}, ou remplacez le CNAME par des enregistrements d'adresse et publiez-le à {$domain}
spf-several_records = {$domain} a {$count} enregistrements SPF ; les destinataires y voient une erreur permanente (RFC 7208 §4.5) : n'en publiez qu'un
spf-invalid = l'enregistrement SPF n'est pas valide, les destinataires répondent donc permerror pour tout le courrier : {$errors}
spf-one_family = pour le courrier envoyé depuis des adresses {$family} seulement : {$problem} ; les destinataires répondent permerror pour les expéditeurs {$family}, les expéditeurs {$other} ne sont pas touchés
spf-unfollowed = {$term} dépend de l'expéditeur ou de l'adresse de connexion : sa cible et ses propres requêtes ne sont pas connues à l'avance et ne sont pas comptées ici
spf-include_missing = l'enregistrement SPF n'inclut pas {$provider}
spf-pass_authorised = le SPF autorise {$provider} ({$lookups} requêtes DNS sur {$max})
spf-pass = le SPF accepte le courrier des adresses de {$provider} ({$samples} essayées sur {$samples} ; {$lookups} requêtes DNS sur {$max})
spf-addresses_without_include = l'enregistrement autorise les adresses actuelles de {$provider} sans include:{$provider} : quand le fournisseur ajoute des adresses, le courrier qui en part échoue ; utilisez include:{$provider}
spf-near_limit = le SPF utilise {$lookups} requêtes DNS sur {$max} : un include de plus le casse
spf-mail_from = le courrier de {$provider}
spf-mail_from_sampled = le courrier de {$provider} ({$failing} des {$tried} adresses essayées, par exemple {$address})
spf-matched_first = {$who} obtient '{$result}' à {$domain} : le terme {$number} "{$term}" le reconnaît en premier, le fournisseur n'est donc pas autorisé
spf-not_authorised = {$who} obtient '{$result}' à {$domain} : aucun terme ne l'autorise (l'enregistrement SPF n'inclut pas {$provider})
spf-incomplete = les requêtes SPF ne sont pas allées au bout : {$queries}
spf-plus_all = '+all' permet à n'importe quel serveur d'Internet d'envoyer au nom de {$domain}
spf-bare_all = 'all' sans qualificatif signifie '+all' : n'importe quel serveur d'Internet peut envoyer au nom de {$domain}
spf-long_record = l'enregistrement SPF fait {$bytes} octets ; au-delà de {$max}, il risque des réponses DNS tronquées (RFC 7208 §3.4)

## Délégation par CNAME
cname-pass = {$name} est un CNAME vers {$target}
cname-chain_pass = {$name} mène à {$target} par une chaîne de CNAME
cname-chain = {$name} est une chaîne de CNAME : {$name} → {$hops} ; les destinataires la suivent, mais chaque étape est un enregistrement de plus qui peut casser : faites pointer {$name} directement vers {$target}
cname-wrong_target = {$name} est un CNAME vers {$found}, pas vers {$target}
cname-misspelled = {$found} ressemble à une faute de frappe pour {$target} : le CNAME mène à un nom que le fournisseur ne sert pas
cname-chain_ends = la chaîne continue vers {$hops} et s'arrête là
cname-nxdomain = {$name} n'existe pas
cname-missing = {$name} n'a ni CNAME ni {$what ->
    [dkim_key] clé DKIM
   *[txt_mx] enregistrements TXT et MX
}
cname-flattened_pass = {$name} n'a pas de CNAME mais publie {$what ->
    [dkim_key] la même clé DKIM
   *[txt_mx] les mêmes enregistrements TXT et MX
} que {$target}
cname-flattened = copie aplatie : {$name} recopie {$what ->
    [dkim_key] la clé DKIM de {$target} au lieu d'être un CNAME ; quand le fournisseur la change
   *[txt_mx] les enregistrements TXT et MX de {$target} au lieu d'être un CNAME ; quand le fournisseur les change
}, cette copie devient périmée
cname-copy_differs = {$name} n'a pas de CNAME, et ce qu'il publie n'est pas {$what ->
    [dkim_key] la clé DKIM publiée
   *[txt_mx] les enregistrements TXT et MX publiés
} à {$target}

## Listes de balises (RFC 6376 §3.2)
tags-empty = une balise vide entre deux ';'
tags-not_a_pair = "{$part}" n'est pas une paire balise=valeur
tags-bad_name = "{$name}" n'est pas un nom de balise
tags-repeated = la balise {$name}= apparaît deux fois

## Une clé DKIM publiée en enregistrement TXT
dkim-expected_any = une clé DKIM valide (v=DKIM1; k={$key_type}; p=…), celle que le fournisseur affiche
dkim-key_not_given = l'enregistrement exact demande la clé publique du fournisseur : donnez le paramètre de clé du profil (par exemple dkim_key) pour qu'elle soit vérifiée et écrite en entier
dkim-missing = aucune clé DKIM à {$name}
dkim-not_a_key = l'enregistrement TXT à {$name} n'est pas une clé DKIM (pas de balise p=)
dkim-several_keys = {$name} a {$count} clés DKIM ; les destinataires peuvent utiliser l'une ou l'autre, les signatures échouent donc au hasard (RFC 6376 §3.6.2.2) : n'en gardez qu'une
dkim-unusable = la clé DKIM à {$name} est inutilisable : {$problems}
dkim-wrong_type = la clé à {$name} est k={$found} ; le fournisseur signe avec des clés {$wanted}
dkim-wrong_key = la clé à {$name} n'est pas celle du fournisseur : son p= diffère de celui que le fournisseur affiche (une ancienne clé, ou celle d'un autre compte)
dkim-pass = clé DKIM à {$name} ({$key_type})
dkim-tag_list_problem = {$problem} (RFC 6376 §3.2)
dkim-version_first = v= doit venir en premier et valoir DKIM1 (RFC 6376 §3.6.1)
dkim-no_p = elle n'a pas de balise p= (RFC 6376 §3.6.1)
dkim-revoked = p= est vide : la clé est révoquée (RFC 6376 §3.6.1)
dkim-not_base64 = p= n'est pas en base64 (RFC 6376 §3.6.1)
dkim-not_rsa = p= n'est pas une clé publique RSA
dkim-rsa_too_short = une clé RSA de {$bits} bits : les destinataires ignorent les clés de moins de {$min} bits (RFC 8301 §3.2)
dkim-rsa_short = une clé RSA de {$bits} bits : la RFC 8301 §3.2 demande aux expéditeurs au moins {$recommended}
dkim-ed25519_size = une clé ed25519 doit faire 32 octets, celle-ci en fait {$bytes} (RFC 8463 §4.2)
dkim-ed25519_only = une clé ed25519 : beaucoup de destinataires ne savent pas encore vérifier les signatures ed25519 ; signez aussi avec une clé RSA (RFC 8463 §5)
dkim-unknown_type = k={$key_type} n'est pas un type de clé connu des destinataires : rsa ou ed25519 (RFC 8301, RFC 8463)
dkim-no_sha256 = h={$hashes} n'autorise pas sha256, et les destinataires refusent sha1 (RFC 8301 §3.1)
dkim-not_email = s={$services} n'est pas prévu pour le courrier électronique (RFC 6376 §3.6.1)
dkim-testing = t=y : la clé est en mode test, et les destinataires peuvent traiter ses signatures comme absentes (RFC 6376 §3.6.1)

value = {$value}

## L'enregistrement DMARC (RFC 7489)
-opendmarc-discards = OpenDMARC, et donc Exim et les destinataires à base de milter, rejettent tout l'enregistrement et n'appliquent aucun DMARC
dmarc-expected = un seul enregistrement v=DMARC1 valide avec p=none, quarantine ou reject
dmarc-expected_at_least = un seul enregistrement v=DMARC1 valide avec p={$policy} ou plus strict
dmarc-not_a_pair = "{$text}" n'est pas une paire balise=valeur ; les destinataires l'ignorent (RFC 7489 §6.3)
dmarc-repeated_policy_tag = la balise '{$tag}' apparaît deux fois, sa valeur est donc ambiguë
dmarc-repeated_tag = la balise '{$tag}' apparaît deux fois ; les destinataires peuvent prendre l'une ou l'autre valeur
dmarc-version_first = l'enregistrement doit commencer par v=DMARC1 (RFC 7489 §6.3)
dmarc-no_policy = la balise obligatoire p= manque (RFC 7489 §6.3) : les destinataires n'appliquent aucun DMARC, ou seulement p=none quand rua= est valide (§6.6.3)
dmarc-policy_second = p= doit être la deuxième balise, juste après v=DMARC1 (RFC 7489 §6.3) ; sinon beaucoup de destinataires ignorent la politique
dmarc-ignored_value = '{$tag}' n'est pas une valeur valide : les destinataires l'ignorent et utilisent {$default} (RFC 7489 §6.3)
dmarc-default_np = la politique sp= ou p=
dmarc-default_relaxed = l'alignement souple (r)
dmarc-default_interval = l'intervalle par défaut de 86400 secondes
dmarc-default_afrf = rf=afrf, le seul format de rapport défini
dmarc-bad_policy = '{$tag}' n'est pas une politique valide (none, quarantine ou reject) : les destinataires n'appliquent aucun DMARC, ou seulement p=none quand rua= est valide (RFC 7489 §6.6.3)
dmarc-bad_subdomain_policy = '{$tag}' n'est pas une politique de sous-domaine valide : les destinataires traitent l'enregistrement comme si p= n'était pas valide (RFC 7489 §6.6.3)
dmarc-bad_alignment = '{$tag}' n'est ni souple (r) ni strict (s) : { -opendmarc-discards }
dmarc-bad_pct = '{$tag}' n'est pas un pourcentage de 0 à 100 : { -opendmarc-discards }
dmarc-partial_pct = pct={$pct} : la politique ne s'applique qu'à {$pct} % du courrier en échec{$pct ->
    [0] ; pct=0 n'impose rien
   *[other] {""}
}
dmarc-bad_interval = '{$tag}' n'est pas un nombre de secondes : { -opendmarc-discards }
dmarc-bad_report_format = '{$tag}' nomme un format de rapport autre que afrf ou iodef : { -opendmarc-discards }
dmarc-unknown_tag = la balise inconnue '{$tag}' est ignorée par les destinataires (RFC 7489 §6.3)
dmarc-uri_no_scheme = {$tag}="{$uri}" n'est pas une URI (il faut un schéma comme mailto:) : les destinataires l'ignorent et n'y envoient aucun rapport {$tag ->
    [rua] agrégé
   *[ruf] d'échec
} (RFC 7489 §6.4)
dmarc-uri_invalid = {$tag}="{$uri}" n'est pas une URI valide : les destinataires l'ignorent (RFC 7489 §6.4)
dmarc-uri_not_mailto = {$tag}="{$uri}" : les destinataires n'envoient les rapports {$tag ->
    [rua] agrégés
   *[ruf] d'échec
} qu'à des adresses mailto:, aucun n'y arrivera donc (RFC 7489 §6.2)
dmarc-uri_not_address = {$tag}="{$uri}" n'est pas une adresse e-mail : les destinataires n'y envoient aucun rapport {$tag ->
    [rua] agrégé
   *[ruf] d'échec
}
dmarc-missing = aucun enregistrement DMARC à {$name}
dmarc-missing_both = aucun enregistrement DMARC à {$name} ni à {$organizational}
dmarc-spf_at_dmarc = l'enregistrement TXT à {$name}, "{$record}", n'est pas un enregistrement DMARC (c'est un enregistrement SPF, qui doit être publié au domaine lui-même, pas à _dmarc) : un enregistrement DMARC commence par v=DMARC1
dmarc-not_dmarc = l'enregistrement TXT à {$name}, "{$record}", n'est pas un enregistrement DMARC : un enregistrement DMARC commence par v=DMARC1
dmarc-policy_too_weak = la politique DMARC qui s'applique est {$policy} ; le fournisseur exige au moins {$required}
dmarc-several_records = {$name} a {$count} enregistrements DMARC ; les destinataires n'appliquent alors aucun DMARC (RFC 7489 §6.6.3)
dmarc-invalid = l'enregistrement DMARC à {$name} n'est pas valide : {$errors}
dmarc-reports_unauthorised = {$tag} envoie les rapports à {$host}, une autre organisation, qui ne les a pas autorisés : les destinataires n'en envoient aucun tant que {$host} ne publie pas l'enregistrement TXT "v=DMARC1" à {$authorization} (RFC 7489 §7.1)
dmarc-reports_lookup_failed = impossible de savoir si {$host} accepte les rapports pour {$domain} : la requête de {$authorization} a échoué ({$reason})
dmarc-reports_not_looked_up = {$authorization} n'a pas été interrogé : on ne sait donc pas si {$host} accepte les rapports pour {$domain}
dmarc-inherited = aucun enregistrement à _dmarc du domaine lui-même ; l'enregistrement du domaine organisationnel à {$name} s'y applique (politique {$policy})
dmarc-pass = enregistrement DMARC à {$name} (politique {$policy})
dmarc-policy_none = la politique none ne fait que surveiller : les destinataires distribuent encore le courrier qui échoue au DMARC, elle ne protège donc pas le domaine contre l'usurpation
dmarc-lookup_failed = la requête DNS de l'enregistrement DMARC à {$name} a échoué ({$reason}) : réessayez
dmarc-unusable = l'enregistrement DMARC à {$name} est inutilisable : {$error}
dmarc-not_fetched = l'enregistrement DMARC à {$name} n'a pas été récupéré

## Un ensemble MX
mx-missing = aucun enregistrement MX à {$name}
mx-null = {$name} publie un MX nul ("0 .", RFC 7505) : il n'accepte aucun courrier, les retours qui lui sont adressés sont donc perdus
mx-absent = {$name} n'a pas de MX vers {$hosts}
mx-extra = {$name} liste aussi {$hosts} : son courrier peut y partir au lieu d'aller chez le fournisseur
mx-preference = {$host} a la préférence {$found} ; le fournisseur demande {$wanted}
mx-pass = {$name} a les serveurs MX du fournisseur

## Un enregistrement TXT exact
verification-pass = l'enregistrement de propriété est publié
verification-other_token = {$name} a un enregistrement de propriété avec un autre jeton : {$found}
txt-pass = {$name} a l'enregistrement TXT
txt-missing = aucun enregistrement TXT {$value} à {$name}
txt-other_value = {$name} a un enregistrement de la même forme avec une autre valeur : {$found}

## Un enregistrement publié sous un nom voisin
lookalike-misplaced = il est publié à {$name} à la place, {$why ->
    [doubled_zone] le nom de la zone ajouté deux fois (un panneau DNS ajoute la zone au nom qu'on lui donne : donnez-lui le nom sans le domaine)
    [no_domainkey] le sélecteur sans _domainkey : les destinataires cherchent la clé à SÉLECTEUR._domainkey.DOMAINE
    [dkim_at_domain] le domaine lui-même : les destinataires cherchent la clé à SÉLECTEUR._domainkey.DOMAINE
    [dmarc_at_domain] le domaine lui-même : les destinataires ne lisent le DMARC qu'à _dmarc.DOMAINE
   *[spf_at_spf] _spf, que rien ne référence : les destinataires ne lisent le SPF qu'au domaine lui-même (un enregistrement _spf ne compte qu'au travers de include:_spf.DOMAINE)
}
lookalike-move = trouvé sous le mauvais nom : {$name} contient {$values} — déplacez-le à {$wanted}
lookalike-wildcard = un joker (wildcard) répond pour {$name} : {$probe} (un nom que personne ne publie) reçoit la même réponse, cet enregistrement passe donc par hasard et change avec le joker ; publiez-le explicitement à {$name}

## DNSSEC derrière un verdict
dnssec-not_valid = ses signatures DNSSEC ne se valident pas
dnssec-anchors_mismatch = le DNSSEC n'a pas pu être vérifié : les clés du résolveur DNS pour {$zone} (identifiants {$tags}) ne correspondent à aucune de {$anchors} ; corrigez [dns] trust_anchors, ou désactivez la vérification avec --no-dnssec
dnssec-resolver_strips = le DNSSEC n'a pas pu être vérifié : le résolveur DNS qu'interroge sendercheck retire les signatures (RRSIG), sendercheck ne peut donc pas dire si les destinataires qui valident peuvent lire cet enregistrement ; indiquez à sendercheck un résolveur qui transmet les enregistrements DNSSEC, ou désactivez la vérification avec --no-dnssec
dnssec-bogus = DNSSEC : {$cause}
dnssec-bogus_besides = DNSSEC : {$cause} ; par ailleurs : {$besides}
dnssec-anchors_builtin = les ancres de confiance intégrées de la racine (IANA)
dnssec-anchors_file = les ancres de confiance de {$path}
dnssec-what_rrset = {$record_type} {$owner}
dnssec-what_dnskey_set = l'ensemble DNSKEY de {$zone}
dnssec-what_ds = le DS de {$zone} dans {$parent}
dnssec-chain_failed = la chaîne de confiance n'a pas pu être obtenue : {$detail}
dnssec-chain_unfetched = la chaîne de confiance n'a pas pu être obtenue
dnssec-fetch_failed = le {$record_type} de {$name} n'a pas pu être obtenu : {$detail}
dnssec-no_anchor_keys_error = le résolveur DNS n'a donné aucune DNSKEY pour {$zone} ({$detail}) : DNSSEC n'a pas pu être vérifié
dnssec-no_anchor_keys = le résolveur DNS n'a donné aucune DNSKEY pour {$zone} : DNSSEC n'a pas pu être vérifié
dnssec-strips_signatures = le résolveur DNS retire les signatures DNSSEC (aucun RRSIG dans les réponses demandées avec DO)
dnssec-anchors_unmatched = aucune DNSKEY de {$zone} (identifiants de clé {$tags}) ne correspond à {$anchors}
dnssec-unsigned_in_signed_zone = {$what} n'a pas de signature (RRSIG), alors que {$zone} est signée (sa zone parente publie un enregistrement DS) : les résolveurs qui valident DNSSEC le refusent — signez à nouveau la zone, ou demandez-le à votre hébergeur DNS
dnssec-unvalidated = la réponse n'a pas pu être validée
dnssec-no_dnskey_with_ds = {$zone} ne publie aucune DNSKEY, alors que sa zone parente publie un enregistrement DS pour elle : publiez à nouveau les clés de la zone, ou supprimez le DS chez votre bureau d'enregistrement
dnssec-ds_mismatch = le DS de {$zone} dans {$parent} (identifiant de clé {$ds_tags}) ne correspond à aucune DNSKEY de {$zone} (identifiants {$key_tags}) : les résolveurs qui valident DNSSEC refusent toute la zone — mettez à jour le DS chez votre bureau d'enregistrement avec la clé actuelle de la zone, ou supprimez-le
dnssec-keys_not_signed_by_ds = {$what} n'est pas signé par la clé que nomme son DS dans {$parent} (identifiant de clé {$tags}) : signez l'ensemble des clés avec cette clé, ou mettez à jour le DS chez votre bureau d'enregistrement
dnssec-ds_unsigned = {$what} est arrivé sans signature
dnssec-zone_bogus = les signatures de {$zone} ne sont pas valides depuis {$anchors} : les résolveurs qui valident DNSSEC refusent ses enregistrements — signez à nouveau la zone, ou demandez-le à votre hébergeur DNS
dnssec-expired = les signatures de {$what} ont expiré le {$at} : la zone n'est plus signée — signez-la à nouveau, ou demandez-le à votre hébergeur DNS
dnssec-not_yet_valid = les signatures de {$what} ne sont valables qu'à partir du {$at} : l'horloge du signataire est en avance — signez à nouveau la zone avec une horloge juste, ou demandez-le à votre hébergeur DNS
dnssec-key_removed = {$what} est signé avec la clé {$tags}, que {$zone} ne publie plus (un changement de clé l'a retirée trop tôt) : publiez à nouveau la clé, ou signez à nouveau la zone
dnssec-signature_mismatch = la signature de {$what} ne correspond pas à l'enregistrement (modifié après la signature, ou corrompu) : signez à nouveau la zone {$zone}, ou demandez-le à votre hébergeur DNS

## Les serveurs de noms de la zone
server-no_answer = pas de réponse
server-held_back = non interrogé : pas de réponse depuis {$since}
server-timed_out = pas de réponse en {$milliseconds} ms
server-port_closed = refusé : rien n'écoute sur le port {$port}
server-not_serving = ne sert pas {$zone} ({$answered})
server-bogus = {$server} ({$address}) sert {$name} avec un DNSSEC qui ne se valide pas : {$cause} ; les destinataires dont le résolveur le choisit obtiennent SERVFAIL
server-lame = {$server} ({$address}) {$problem} : les destinataires qui le choisissent n'obtiennent pas de réponse ; retirez-le des enregistrements NS de la zone ou faites-lui servir la zone
server-view = {$server} ({$address}, série {$serial}) : {$status}
server-view_no_serial = {$server} ({$address}, sans série) : {$status}
propagation-inconsistent = les serveurs de noms de la zone ne sont pas d'accord sur cet enregistrement — {$servers} ; un serveur secondaire n'a peut-être pas encore la dernière version de la zone
propagation-withdrawn = les serveurs de la zone ne publient plus cet enregistrement tel qu'il est validé ici : le résolveur sert une réponse en cache, et les destinataires cesseront de le voir
propagation-withdrawn_for = les serveurs de la zone ne publient plus cet enregistrement tel qu'il est validé ici : le résolveur sert une réponse en cache encore {$seconds} s au plus, et les destinataires cesseront de le voir
propagation-nothing_to_change = Rien à changer : l'enregistrement est déjà sur tous les serveurs de la zone. Les destinataires le verront dès que la réponse gardée en cache par leurs résolveurs expirera.
propagation-nothing_to_change_by = Rien à changer : l'enregistrement est déjà sur tous les serveurs de la zone. Les destinataires le verront dès que la réponse gardée en cache par leurs résolveurs expirera, vers {$at}.
propagation-propagating = publié sur les serveurs de la zone ; le résolveur ne le voit pas encore
propagation-propagating_until = publié sur les serveurs de la zone ; le résolveur sert encore une réponse plus ancienne jusque vers {$at}

## Les mots du tableau de `sendercheck check` (mots d'état, titres de colonnes et valeurs inchangés)

## Un message de test reçu
message-unreadable = ce n'est pas un message : {$detail}
message-spf_not_a_domain = « {$domain} » n'est pas un nom de domaine dont on peut vérifier le SPF
message-spf_pass = {$ip} est autorisé par l'enregistrement SPF de {$domain}{$by}
message-spf_fail = {$ip} n'est pas autorisé par l'enregistrement SPF de {$domain}{$by} : les destinataires refusent le courrier de ce serveur pour {$domain} — envoyez par le fournisseur, ou ajoutez le serveur à l'enregistrement
message-spf_softfail = {$ip} n'est pas autorisé par l'enregistrement SPF de {$domain}{$by} (softfail) : les destinataires marquent le courrier comme suspect
message-spf_neutral = l'enregistrement SPF de {$domain} ne dit rien de {$ip}{$by} : il ne l'autorise ni ne le refuse
message-spf_decided_by = {" "}(« {$term} » de {$domain})
message-spf_none = {$domain} ne publie aucun enregistrement SPF
message-spf_dns_failed = la requête DNS de {$name} pour le SPF de {$domain} a échoué ({$reason}) : réessayez
message-spf_dns_failed_somewhere = le DNS a échoué pendant l'évaluation du SPF de {$domain} : réessayez
message-spf_too_many_lookups = le SPF de {$domain} demande plus de requêtes qu'un destinataire n'en fait : il ne peut pas être évalué
message-from_fields = le message a {$count} champs d'en-tête From : la RFC 5322 §3.6 n'en permet qu'un, et des destinataires comme Gmail refusent ce courrier
message-no_from = le message n'a pas d'adresse From : DMARC ne peut pas s'appliquer, et les destinataires refusent ce courrier
message-from_domains = l'en-tête From nomme plusieurs domaines ({$domains}) : les destinataires ne peuvent pas appliquer une seule politique DMARC et peuvent refuser le message (RFC 7489 §6.6.1)
message-dmarc_none = {$domain} ne publie aucun enregistrement DMARC (sur _dmarc.{$domain}) : des destinataires comme Gmail et Yahoo en exigent un des expéditeurs en masse — publiez « {$record} »
message-alignment_strict = strict
message-alignment_relaxed = souple
message-aligned_dkim = DKIM (d={$domain}, alignement {$mode})
message-aligned_spf = SPF ({$domain}, alignement {$mode})
message-dmarc_aligned = aligné : {$passes}
message-dkim_not_aligned = DKIM n'est pas aligné, donc le message échoue à DMARC une fois transféré (le transfert change le serveur d'envoi, pas la signature) : signez avec la propre clé DKIM du domaine
message-dmarc_fail = ni DKIM ni SPF ne réussit pour un domaine aligné avec {$domain} : {$dkim} ; {$spf} — les destinataires appliquent p={$policy}
message-dkim_unsigned = le message n'a pas de signature DKIM
message-dkim_passes_elsewhere = DKIM ne réussit que pour {$domains}, pas pour {$domain} — publiez les enregistrements DKIM du fournisseur pour {$domain} afin qu'il signe en tant que {$domain}
message-dkim_result = DKIM {$result} pour d={$domain} : {$reason}
message-spf_not_aligned = SPF réussit pour {$spf_domain}, qui n'est pas aligné avec {$domain} — le domaine de retour (bounce) du fournisseur doit être sous {$domain}
message-spf_result = SPF {$result} pour {$domain}
message-wrong_from = le message est From {$from}, pas {$domain} : il ne prouve rien pour {$domain} — envoyez le test depuis une adresse en {$domain}
message-dmarc_passes_for = DMARC réussit pour {$domain} : {$reason}
message-dmarc_fails_for = DMARC échoue pour {$domain} : {$reason}
message-dmarc_error = DMARC {$result} : {$reason}
message-arc_none = le message ne porte aucun ensemble ARC
message-arc_unreadable = les en-têtes ARC n'ont pas pu être lus
message-arc_pass = { $sets ->
    [one] la chaîne de {$sets} ensemble ARC est valide
   *[other] la chaîne de {$sets} ensembles ARC est valide
}
message-arc_key_failed = une clé ARC n'a pas pu être obtenue : {$detail}
message-arc_fail = la chaîne ARC n'est pas valide : {$reason}
message-arc_tag_missing = l'en-tête {$header} de l'ensemble ARC {$instance} n'a pas de balise {$tag}=, dont les destinataires ont besoin (RFC 8617 §4.1 ; les noms de balises sont sensibles à la casse, RFC 6376 §3.2) : le relais qui l'a ajouté a écrit un ensemble invalide
message-arc_tag_case = l'en-tête {$header} de l'ensemble ARC {$instance} a à la fois {$tag}= et {$written}= avec des valeurs différentes : les noms de balises sont sensibles à la casse, les destinataires ne lisent donc que {$tag}= (RFC 6376 §3.2) et l'ensemble tel qu'écrit ne se vérifie pas pour eux ; le relais qui l'a ajouté doit supprimer {$written}=
message-arc_tag_alone = l'en-tête {$header} de l'ensemble ARC {$instance} a {$written}= mais pas {$tag}= : les noms de balises sont sensibles à la casse, les destinataires ignorent donc {$written}= (RFC 6376 §3.2) tandis que certains vérificateurs l'appliquent, et les deux verdicts diffèrent ; le relais qui l'a ajouté doit écrire {$tag}=


## Pourquoi l'état d'un domaine a changé
history-registered = inscrit
history-registered_again = inscrit à nouveau
history-unregistered = désinscrit
history-profile_changed = profil changé de {$from} à {$to}
history-token_changed = jeton de vérification changé
history-params_changed = paramètres du profil changés
history-passes = chaque enregistrement requis est valide{$changes}
history-passes_again = chaque enregistrement requis est de nouveau valide{$changes}
history-window_expired = toujours en échec après le délai de propagation de {$window} : {$failing}
history-checks_failed = {$count} vérifications de suite en échec : {$failing}{$changes}
history-changes = {" "}({$list})

ui-cli-heading = {$domain} (profil {$profile}) : {$verdict}, {$attention ->
    [one] {$attention} enregistrement sur {$total} demande une action
   *[other] {$attention} enregistrements sur {$total} demandent une action
}
ui-cli-ready = prêt
ui-cli-not_ready = pas prêt
ui-cli-unknown = inconnu (le DNS n'a pas répondu)
ui-cli-dnssec_secure = DNSSEC : sécurisé (zone {$zone})
ui-cli-dnssec_insecure = DNSSEC : non sécurisé (la zone {$zone} n'est pas signée)
ui-cli-dnssec_bogus = DNSSEC : {$state} (zone {$zone}) : {$reason}
ui-cli-dnssec_not_valid = les signatures ne se valident pas
ui-cli-dnssec_unchecked = DNSSEC : vérification impossible : {$reason}
ui-cli-dnssec_no_chain = la chaîne de confiance n'a pas pu être récupérée
ui-cli-valid_after = valide après {$at} : chaque enregistrement requis est publié ; les résolveurs servent encore d'anciennes réponses jusque-là
ui-cli-expected = attendu : {$expected}
ui-cli-recommended = recommandé par le fournisseur : n'empêche pas d'être prêt
ui-cli-fix = correctif :
ui-cli-no_single_fix = aucun enregistrement seul ne corrige cela ; voir les avertissements
ui-cli-fix_publish = correctif : publier
ui-cli-fix_replace = correctif : remplacer
ui-cli-fix_remove = correctif : supprimer
ui-cli-in_place_of = (à la place de "{$old}")
ui-cli-warning = avertissement :
ui-cli-profile_docs = documentation
ui-cli-profile_param = paramètre
ui-cli-profile_required = obligatoire
ui-cli-profile_default = par défaut {$value}
ui-cli-profile_recommended = recommandé
ui-cli-profile_when = si {$params}
ui-cli-profile_or = ou
ui-smtp-pass = réussi
ui-smtp-pass_warnings = réussi, avec des avertissements
ui-smtp-fail = ÉCHEC
ui-smtp-error = test impossible
ui-smtp-tls = TLS : {$version}, {$cipher}
ui-smtp-certificate = Certificat : {$names} — émis par {$issuer}, jusqu'au {$until}, {$trusted}, {$matches}
ui-smtp-trusted = de confiance
ui-smtp-not_trusted = PAS de confiance
ui-smtp-name_matches = le nom correspond
ui-smtp-name_mismatch = le nom ne correspond PAS
ui-smtp-extensions = Extensions : {$list}
ui-cli-unchecked_token = L'enregistrement de propriété n'a pas été vérifié : donnez --token pour le vérifier.
ui-cli-unchecked_param = L'enregistrement {$kind} à {$name} n'a pas été vérifié : donnez --param {$param}=… pour le vérifier.
ui-cli-dkim_heading = DKIM : {$result} ({$count ->
    [0] aucune signature
    [one] une signature
   *[other] {$count} signatures
})
ui-cli-dkim_heading_from = DKIM : {$result} ({$count ->
    [0] aucune signature
    [one] une signature
   *[other] {$count} signatures
}), domaine From {$from}
ui-cli-dkim_dmarc_satisfied = DMARC : DKIM suffit seul à DMARC (une signature valide est alignée sur From)
ui-cli-dkim_dmarc_not_satisfied = DMARC : DKIM ne suffit pas à DMARC pour ce message (aucune signature valide n'est alignée sur From)
ui-cli-dkim_key = clé {$type}, {$bits} bits
ui-cli-dkim_key_not_fetched = clé non obtenue
ui-cli-dkim_aligned_strict = alignée sur From (strict)
ui-cli-dkim_aligned_relaxed = alignée sur From (souple)
ui-cli-dkim_relaxed_not_enough = non alignée : le DMARC du domaine From demande adkim=s et d= n'est aligné qu'en mode souple
ui-cli-dkim_not_aligned = non alignée sur From : elle ne compte pas pour DMARC
ui-cli-dkim_registered_required = enregistré avec le profil {$profile} ; ce sélecteur fait partie de ceux qu'il exige
ui-cli-dkim_registered_not_required = enregistré avec le profil {$profile} ; ce sélecteur ne fait pas partie de ceux qu'il exige
ui-cli-dkim_no_signature = Le message n'a pas d'en-tête DKIM-Signature.

## Une signature DKIM d'un message
dkim-sig-pass = signature vérifiée
dkim-sig-none = pas de signature
dkim-sig-body_changed = l'empreinte du corps ne correspond pas : le corps a été modifié après la signature
dkim-sig-expired = signature expirée (son heure x= est passée)
dkim-sig-identity_strict = i= n'est pas dans d=, ce que le t=s de la clé n'autorise pas
dkim-sig-length = l= est plus long que le corps
dkim-sig-failed = la signature ne se vérifie pas : un en-tête signé a été modifié après la signature, ou la clé ne correspond pas
dkim-sig-unsupported_algorithm = algorithme non pris en charge
dkim-sig-malformed = en-tête DKIM-Signature mal formé : {$detail}
dkim-sig-malformed_tags = en-tête DKIM-Signature mal formé : {$problem} (RFC 6376 §3.2)
dkim-sig-version = le v= de la signature doit valoir 1 (RFC 6376 §3.5)
dkim-sig-tag_missing = la signature n'a pas de balise {$tag}=, que toute signature DKIM doit avoir (RFC 6376 §3.5)
dkim-sig-tag_case = la signature a à la fois {$tag}= et {$written}= avec des valeurs différentes : les noms de balises sont sensibles à la casse, les destinataires ne lisent donc que {$tag}= (RFC 6376 §3.2) ; supprimez {$written}=
dkim-sig-tag_case_alone = la signature a {$written}= mais pas {$tag}= : les noms de balises sont sensibles à la casse, les destinataires ignorent donc {$written}= (RFC 6376 §3.2) tandis que certains vérificateurs l'appliquent comme {$tag}=, et les deux verdicts diffèrent ; le signataire doit écrire {$tag}=
dkim-sig-from_unsigned = h= ne contient pas From : une signature qui ne signe pas From doit être ignorée (RFC 6376 §6.1.1)
dkim-sig-identity_outside = i={$identity} n'est pas dans d={$domain} (RFC 6376 §6.1.1)
dkim-sig-key_timeout = délai DNS dépassé en récupérant la clé à {$name}
dkim-sig-key_dns_failed = échec DNS temporaire en récupérant la clé à {$name} : {$reason}
dkim-sig-key_not_found = clé introuvable : aucun enregistrement TXT à {$name}
dkim-sig-key_revoked = clé révoquée : l'enregistrement à {$name} a un p= vide
dkim-sig-key_unsupported = type de clé non pris en charge dans l'enregistrement à {$name}
dkim-sig-key_invalid = mauvais enregistrement de clé à {$name} : ce n'est pas une clé DKIM valide
dkim-sig-key_unusable = la clé à {$name} est inutilisable : {$detail}
dkim-sig-key_tags = mauvais enregistrement de clé à {$name} : {$problem} (RFC 6376 §3.2)
dkim-sig-key_version = mauvais enregistrement de clé à {$name} : v= doit venir en premier et valoir DKIM1 (RFC 6376 §3.6.1)
dkim-sig-key_tag_case = mauvais enregistrement de clé à {$name} : il a {$written}= mais pas p=, et les noms de balises sont sensibles à la casse, les destinataires n'y trouvent donc aucune clé (RFC 6376 §3.2) ; renommez {$written}= en p=
dkim-sig-key_hash = la clé à {$name} n'autorise que h={$hashes}, pas le {$hash} de la signature (RFC 6376 §3.6.1)
dkim-sig-key_service = la clé à {$name} est prévue pour s={$services}, pas pour le courrier (RFC 6376 §3.6.1)
dkim-sig-key_type = la clé à {$name} est k={$key_type}, qui ne peut pas vérifier {$algorithm} (RFC 6376 §6.1.2)
dkim-sig-rsa_sha1 = les signatures rsa-sha1 ne sont pas acceptées (RFC 8301 §3.1)
dkim-sig-rsa_too_short = la clé RSA fait {$bits} bits, sous le minimum de {$min} bits (RFC 8301 §3.2)
dkim-sig-partial_body = l={$bytes} ne signe que les {$bytes} premiers octets du corps : tout ce qui est ajouté ensuite n'est pas signé
dkim-sig-testing = la clé est en mode test (t=y) : les destinataires peuvent traiter ce courrier comme non signé
dkim-sig-skipped = ignorée : seules les {$max} premières signatures d'un message sont vérifiées

## La sonde de passerelle SMTP
smtp-dns-resolved = {$addresses}
smtp-dns-failed = impossible de résoudre {$host} : DNS {$reason}
smtp-dns-no_address = {$host} n'a aucun enregistrement A ou AAAA : vérifiez le nom du serveur
smtp-connect-ok = connecté à {$address}
smtp-connect-refused = {$address} a refusé la connexion : rien n'écoute sur le port {$port} (vérifiez le port, ou un pare-feu qui le rejette)
smtp-connect-failed = impossible de se connecter à {$address} : {$reason}
smtp-connect-timeout = pas de réponse de {$address} en {$seconds} s : un pare-feu bloque le port {$port}, ou le serveur est arrêté (beaucoup de réseaux bloquent le port 25 sortant)
smtp-deadline = les {$seconds} s du test sont écoulées après l'étape {$step} : la passerelle répond trop lentement ; essayez la ligne de commande avec un --timeout plus long
smtp-tls-plain_greeting = { $port ->
    [465] le port 465 attend du TLS implicite
   *[other] du TLS implicite a été demandé sur le port {$port}
} mais le serveur a répondu en clair : utilisez la sécurité starttls (en général le port 587), ou none
smtp-tls-ok = {$version}, {$cipher}
smtp-tls-bad_name = {$host} ne peut pas être un nom TLS : {$reason}
smtp-tls-not_tls = le serveur n'a pas répondu en TLS ({$detail}) : le port {$port} attend peut-être STARTTLS (sécurité starttls, en général le port 587) ou du SMTP en clair
smtp-tls-no_shared = le serveur et ce client n'ont aucune version ou aucun chiffrement TLS en commun ({$detail}) : le serveur doit accepter TLS 1.2 ou plus récent avec des chiffrements actuels
smtp-tls-failed = la négociation TLS a échoué : {$detail}
smtp-tls-timeout = la négociation TLS n'a pas abouti en {$seconds} s
smtp-certificate-ok = de confiance, pour {$names}, valable jusqu'au {$until}
smtp-certificate-none = le serveur n'a présenté aucun certificat
smtp-certificate-accepted = {$problem} (accepté : --insecure)
smtp-certificate-refused = {$problem}. Les logiciels de messagerie le refusent ; --insecure permet de tester la suite
smtp-certificate-untrusted = le certificat n'est pas délivré par une autorité de confiance (émetteur : {$issuer}) : il est auto-signé ou vient d'une autorité privée ; installez un certificat d'une autorité publique, ou faites confiance à cette autorité avec --ca-file
smtp-certificate-expired_on = le certificat a expiré le {$at} : renouvelez-le
smtp-certificate-expired = le certificat a expiré : renouvelez-le
smtp-certificate-not_yet_valid = le certificat n'est pas encore valable (vérifiez l'horloge du serveur)
smtp-certificate-revoked = le certificat a été révoqué
smtp-certificate-unverifiable = le certificat ne peut pas être vérifié : {$detail}
smtp-certificate-wrong_name = le certificat est pour {$names}, pas pour {$host} : connectez-vous à un nom qu'il couvre, ou installez un certificat pour {$host}
smtp-certificate-also_wrong_name = de plus, il est pour {$names}, pas pour {$host}
smtp-certificate-no_name = aucun nom
smtp-greeting-ok = {$reply}
smtp-greeting-refused = le serveur a refusé la session : {$reply}
smtp-greeting-timeout = le serveur a accepté la connexion mais n'a envoyé aucun message d'accueil en {$seconds} s : { $port ->
    [465] le port 465 attend en général du TLS implicite — utilisez la sécurité tls
   *[other] si ce port attend du TLS implicite (en général le 465), utilisez la sécurité tls
}
smtp-greeting-garbled = les premiers octets du serveur ne sont pas un accueil SMTP ({$line}) : s'il parle TLS dès le début, utilisez la sécurité tls (en général le port 465)
smtp-greeting-failed = pas d'accueil : {$reason}
smtp-ehlo-ok = {$reply} : {$extensions}
smtp-ehlo-ok_tls = {$reply} (sur TLS) : {$extensions}
smtp-ehlo-no_extensions = aucune extension
smtp-ehlo-helo_only = EHLO refusé ({$reply}), HELO accepté : un ancien serveur sans extensions (ni STARTTLS, ni AUTH)
smtp-ehlo-refused = EHLO refusé : {$reply}
smtp-ehlo-failed = EHLO : {$reason}
smtp-starttls-ok = {$reply}
smtp-starttls-not_offered = le serveur ne propose pas STARTTLS sur le port {$port} : utilisez la sécurité tls s'il parle TLS sur un autre port (465), ou none pour tester sans chiffrement
smtp-starttls-refused = STARTTLS refusé : {$reply}
smtp-starttls-failed = STARTTLS : {$reason}
smtp-auth-ok = connecté en tant que {$username} ({$mechanism}) : {$reply}
smtp-auth-skipped = aucun nom d'utilisateur donné : la connexion au compte n'a pas été essayée
smtp-auth-no_password = un nom d'utilisateur a été donné sans mot de passe (--password-env VAR nomme la variable qui le contient)
smtp-auth-plaintext_refused = refus d'envoyer le mot de passe sur une connexion non chiffrée : utilisez la sécurité starttls ou tls (ou --allow-plaintext-auth sur un réseau de confiance)
smtp-auth-refused = échec de l'authentification : {$reply}
smtp-auth-not_offered = le serveur ne propose pas AUTH sur cette connexion : il n'accepte pas d'identifiants ici (un relais qui fait confiance à l'adresse IP), ou seulement sur un autre port
smtp-auth-mechanisms = le serveur ne propose que {$mechanisms} pour AUTH ; sendercheck se connecte avec PLAIN ou LOGIN
smtp-auth-failed = authentification : {$reason}
smtp-quit-ok = {$reply}
smtp-quit-unexpected = QUIT a reçu {$reply} au lieu de 221
smtp-quit-closed = le serveur a fermé la connexion sans répondre à QUIT
smtp-quit-failed = QUIT : {$reason}
smtp-not_dialled = {$host} correspond aussi à {$addresses}, non contactées : ce ne sont pas des adresses publiques, et aucun motif autorisé de [smtp] ne les nomme
smtp-io-timeout = pas de réponse en {$seconds} s
smtp-io-closed = le serveur a fermé la connexion
smtp-io-garbled = la réponse du serveur n'est pas du SMTP : {$line}
smtp-io-error = {$detail}
smtp-hint-google_app_password = Google exige un mot de passe d'application dès que la validation en deux étapes est activée : créez-en un sur myaccount.google.com/apppasswords et utilisez-le à la place du mot de passe du compte.
smtp-hint-google_credentials = Google n'a pas accepté le nom d'utilisateur et le mot de passe. Avec la validation en deux étapes, seul un mot de passe d'application fonctionne (myaccount.google.com/apppasswords) ; le nom d'utilisateur est l'adresse complète.
smtp-hint-m365_auth_disabled = Microsoft 365 a refusé l'authentification de base : SMTP AUTH est désactivé pour le client ou pour cette boîte aux lettres (Centre d'administration Microsoft 365 → l'utilisateur → Courrier → Gérer les applications de messagerie → SMTP authentifié), ou les paramètres de sécurité par défaut le bloquent.
smtp-hint-m365_credentials = Microsoft 365 n'a pas accepté les identifiants : vérifiez l'adresse complète et le mot de passe, et que SMTP AUTH est activé pour la boîte aux lettres.
smtp-hint-starttls_first = Le serveur veut STARTTLS avant toute autre commande : utilisez la sécurité starttls (port 587).
smtp-hint-encryption_required = Le serveur n'accepte ce mode d'authentification que sur une connexion chiffrée : utilisez la sécurité starttls ou tls.
smtp-hint-credentials = Le serveur a refusé le nom d'utilisateur ou le mot de passe.
smtp-hint-temporary = Le serveur n'a pas pu authentifier pour l'instant (un échec temporaire) : réessayez plus tard ; si cela continue, le compte est peut-être bloqué.

## Les pages web : les mots de l'interface (les codes et les valeurs DNS ne se traduisent pas)
ui-page-date = %-d %B %Y à %H:%M:%S UTC
ui-page-skip = Aller au contenu
ui-page-main_nav = Navigation principale
ui-page-nav_check = Vérifier
ui-page-nav_domains = Domaines
ui-page-nav_dkim = DKIM
ui-page-nav_audit = Journal
ui-page-language = Langue
ui-page-signed_in_as = Connecté en tant que
ui-page-sign_out = Se déconnecter
ui-page-needs_scope = La portée de votre jeton ne permet pas {$what} (il faut {$scope}).
ui-page-needs_check_domain = de vérifier un domaine ici
ui-page-needs_judge = d'analyser un message ici
ui-page-needs_test_address = de créer une adresse de test
ui-page-status-pass = valide
ui-page-status-fail = en échec
ui-page-status-missing = absent
ui-page-status-error = erreur
ui-page-domain-verified = vérifié
ui-page-domain-pending = en attente
ui-page-domain-failing = en échec
ui-page-domain-unregistered = désinscrit
ui-page-copy = Copier
ui-page-copied = Copié
ui-page-copy_failed = Sélectionnez et copiez
ui-page-copied_status = Copié :
ui-page-copy_failed_status = La copie a échoué : sélectionnez le texte et copiez-le
ui-page-copy_what = Copier {$what}
ui-page-copy_type = le type
ui-page-copy_name = le nom
ui-page-copy_value = la valeur
ui-page-copy_zone = la ligne de zone
ui-page-copy_address = l'adresse de test
ui-page-copy_results = l'en-tête Authentication-Results
ui-page-record_at = enregistrement {$kind} sur {$name}
ui-page-recommended = (recommandé)
ui-page-expected = Attendu
ui-page-found = Trouvé
ui-page-nothing = rien
ui-page-fix = Correction
ui-page-no_single_fix = Aucun enregistrement seul ne peut corriger cela ; voyez les avertissements.
ui-page-publish = Publier
ui-page-replace = Remplacer
ui-page-remove = Supprimer
ui-page-in_place_of = à la place de
ui-page-type = Type
ui-page-name = Nom
ui-page-value = Valeur
ui-page-zone_line = Ligne de zone
ui-page-warnings = Avertissements
ui-page-propagation = Propagation :
ui-page-propagation-published = publié
ui-page-propagation-propagating = en cours de propagation
ui-page-propagation-not_published = non publié
ui-page-propagation-inconsistent = incohérent
ui-page-expected_by = prévu pour le
ui-page-servers_caption = Chaque serveur faisant autorité, et le résolveur
ui-page-server = Serveur
ui-page-address = Adresse
ui-page-status = État
ui-page-soa_serial = Numéro de série SOA
ui-page-resolver = résolveur
ui-page-cached = en cache {$seconds} s
ui-page-dnssec_secure = sécurisé{$zone} : signé, et chaque signature est valide jusqu'à la racine
ui-page-dnssec_insecure = non sécurisé{$zone} : non signé ; les destinataires acceptent les enregistrements tels quels
ui-page-dnssec_bogus = invalide{$zone} : {$reason}
ui-page-dnssec_not_valid = les signatures ne sont pas valides : les résolveurs qui valident DNSSEC refusent les enregistrements
ui-page-dnssec_bogus_record = invalide{$zone} : les résolveurs qui valident DNSSEC refusent cet enregistrement
ui-page-dnssec_unchecked = vérification impossible{$zone} : {$reason}
ui-page-ready = Prêt à envoyer : chaque enregistrement requis est valide.
ui-page-not_ready = Pas prêt : voyez les enregistrements ci-dessous.
ui-page-valid_after = Chaque enregistrement requis est publié ; les résolveurs servent encore d'anciennes réponses jusqu'au
ui-page-domain = Domaine
ui-page-profile = Profil du fournisseur
ui-page-profile_short = Profil
ui-page-show_fields = Afficher les champs de ce profil
ui-page-parameters_of = Paramètres de {$profile}
ui-page-required = (obligatoire)
ui-page-check_now = Vérifier maintenant
ui-page-result_for = Résultat pour
ui-page-register = Inscrire {$domain} et continuer à le vérifier
ui-page-per_status = Domaines par état
ui-page-all = tous
ui-page-domain_contains = Le domaine contient
ui-page-any = tous
ui-page-filter = Filtrer
ui-page-export_csv = Exporter en CSV
ui-page-no_match = Aucun domaine inscrit ne correspond.
ui-page-registered = Domaines inscrits
ui-page-last_check = Dernière vérification
ui-page-next_check = Prochaine vérification
ui-page-paused_note = (en pause)
ui-page-not_yet = pas encore
ui-page-next_page = Page suivante
ui-page-since = depuis le
ui-page-checks = Vérifications
ui-page-checks_paused = en pause : pas de vérification, pas d'événement webhook
ui-page-checks_running = actives
ui-page-not_yet_soon = pas encore (elle commence dans quelques secondes)
ui-page-check_again = Vérifier à nouveau
ui-page-resume = Reprendre les vérifications
ui-page-pause = Mettre les vérifications en pause
ui-page-delete = Supprimer l'inscription
ui-page-records = Enregistrements
ui-page-no_check_yet = Aucune vérification n'est encore terminée.
ui-page-history = Historique
ui-page-test_message = Message de test
ui-page-test_intro = Les enregistrements DNS montrent que les clés sont publiées, pas que le fournisseur signe avec elles. Demandez au client d'envoyer un message par son fournisseur,
ui-page-test_from = depuis une adresse en {$domain}
ui-page-test_to = , à l'adresse ci-dessous : ses verdicts SPF, DKIM, DMARC et ARC s'affichent ici.
ui-page-proven = Prouvé par un vrai message le
ui-page-test_off = Les adresses de test sont désactivées : renseignez [inbound] domain et listen dans la configuration, et faites pointer le MX de ce domaine vers ce service.
ui-page-valid_until = valable jusqu'au
ui-page-new_address = Nouvelle adresse de test
ui-page-get_address = Obtenir une adresse de test
ui-page-no_message = Aucun message reçu pour l'instant. Cette liste se met à jour toute seule.
ui-page-no_subject = (sans objet)
ui-page-message_named = Message {$subject}
ui-page-received = Reçu
ui-page-from_client = depuis
ui-page-over_tls = par TLS
ui-page-none = (aucun)
ui-page-aligned = aligné
ui-page-headers = En-têtes tels que reçus
ui-page-probe_title = Tester la passerelle SMTP du client
ui-page-host = Serveur
ui-page-port = Port
ui-page-security = Sécurité
ui-page-security_by_port = selon le port
ui-page-security_tls = TLS dès le début
ui-page-security_none = aucune
ui-page-username = Nom d'utilisateur (facultatif)
ui-page-password = Mot de passe (utilisé une fois, jamais conservé)
ui-page-helo = Nom EHLO (facultatif)
ui-page-probe = Tester
ui-page-gateway = Passerelle SMTP
ui-page-probe_fail = échec
ui-page-bad_port = le port doit être un nombre de 1 à 65535, pas « {$port} »
ui-page-raw_message = Message brut (en-têtes et corps, tel que reçu)
ui-page-upload = …ou envoyez un fichier .eml
ui-page-verify_dkim = Vérifier DKIM
ui-page-verdict = Verdict
ui-page-from_domain = domaine From
ui-page-aligned_pass = une signature alignée est valide : DKIM suffit seul à DMARC
ui-page-signatures = Signatures
ui-page-algorithm = Algorithme
ui-page-result = Résultat
ui-page-aligned_column = Alignée
ui-page-reason = Raison
ui-page-yes = oui
ui-page-no = non
ui-page-too_large = Le message dépasse limits.max_message_bytes.
ui-page-login_failed = Ce n'est ni le jeton de l'API, ni aucun jeton de ce service.
ui-page-token = Jeton (server.api_token ou l'un des [[tokens]])
ui-page-sign_in = Se connecter
ui-page-token_short = Jeton
ui-page-no_changes = Aucune modification enregistrée.
ui-page-when = Quand
ui-page-action = Action
ui-page-detail = Détail
ui-page-no_token = (sans jeton)
ui-page-title_check = Vérifier un domaine maintenant
ui-page-title_register = Inscrire
ui-page-title_domains = Domaines
ui-page-title_domain = Domaine
ui-page-title_audit = Journal des modifications
ui-page-title_dkim = Vérifier une signature DKIM
ui-page-title_sign_in = Connexion
ui-page-title_refused = Formulaire refusé
ui-page-title_not_allowed = Non autorisé
ui-page-title_too_many = Trop de tentatives
ui-page-refused_no_session = Ce formulaire n'a pas de session : rouvrez la page et envoyez-le depuis celle-ci.
ui-page-refused_no_token_session = Ce formulaire n'a pas de session connectée avec un jeton : rouvrez la page, connectez-vous et envoyez-le depuis celle-ci.
ui-page-refused_csrf = Ce formulaire ne vient pas d'une page de sendercheck (son jeton CSRF manque ou est faux) : rouvrez la page et envoyez-le depuis celle-ci.
ui-page-refused_sign_in = Ce formulaire de connexion ne vient pas d'une page de sendercheck.
ui-page-refused_scope = Vous êtes connecté avec le jeton « {$token} », de portée {$scope} ; il faut {$needed}. Déconnectez-vous et connectez-vous avec un jeton qui l'a.
ui-page-too_many_sign_ins = Trop de connexions échouées depuis cette adresse : réessayez dans {$seconds} secondes.
