# Тексты для владельцев аккаунтов, русский. { $count } — число.

site-name = Реестр анонимных аккаунтов
skip-to-content = Перейти к содержанию
nav-home = О реестре
nav-transparency = Прозрачность
language = Язык
footer-text = Работает в соответствии с Законом об онлайн-платформах. Платформы видят только статус; должностные лица видят личность только при наличии правового основания, одобрения второго должностного лица и записи в журнале.

home-title = Идентификация анонимных аккаунтов с большим числом подписчиков
home-lead = Если у вашего анонимного аккаунта больше { $count } подписчиков, закон требует передать идентификационные данные уполномоченному органу. Реестр делает это с минимумом данных, который допускает закон.
home-who-title = Кто должен зарегистрироваться
home-who-text = Владельцы анонимных аккаунтов, у которых число подписчиков превысило порог. Платформа сообщит вам об этом, покажет код и срок. Аккаунты, которые { $count ->
    [one] { $count } день
    [few] { $count } дня
   *[many] { $count } дней
} остаются на пороге или ниже, регистрировать больше не нужно.
home-data-title = Что именно мы собираем
home-data-resident = Резиденты Казахстана: ИИН, фамилия, имя, отчество (при наличии), контактный e-mail.
home-data-nonresident = Нерезиденты: вид документа, номер документа, страна выдачи, фамилия, имя, дата рождения, контактный e-mail.
home-data-entity = Юридические лица: БИН, зарегистрированное наименование, контактный e-mail.
home-data-never = Никогда: адреса, сканы документов, номера телефонов и IP-адреса.
home-storage-title = Как хранятся данные
home-storage-text = Ваши данные зашифрованы отдельным ключом. Идентификаторы хранятся только как ключевой отпечаток для точного поиска; искать по имени невозможно. Платформы получают только статус (требуется, подтверждён, просрочен, не требуется), но не ваши данные.
home-retention-text = Ваши данные безвозвратно удаляются через { $count ->
    [one] { $count } день
    [few] { $count } дня
   *[many] { $count } дней
} после того, как ваш последний аккаунт покинет реестр.
home-access-title = Кто может их увидеть
home-access-text = Должностное лицо может увидеть вашу личность только при зафиксированном правовом основании (решение суда, уголовное расследование, запрос прокурора или административное дело), письменном обосновании, одобрении второго должностного лица и записи в защищённом от изменений журнале.
home-rights-title = Ваши права
home-rights-text = По номеру записи и ключу управления вы можете видеть статус своих аккаунтов, изменить контактный e-mail, отозвать аккаунт, которому регистрация больше не нужна, и видеть каждое раскрытие ваших данных (некоторые — после отсрочки не более 180 дней).
home-transparency-link = Отчёт о прозрачности

transparency-title = Отчёт о прозрачности
transparency-lead = Только количества: по ним никого нельзя установить.
transparency-freshness = Данные обновляются каждую минуту.
transparency-accounts-title = Аккаунты по статусам
transparency-col-status = Статус
transparency-col-accounts = Аккаунты
transparency-total = Всего
status-required = Требуется регистрация
status-verified = Подтверждён
status-overdue = Просрочен
status-not_required = Не требуется
accounts-count = { $count ->
    [one] { $count } аккаунт
    [few] { $count } аккаунта
   *[many] { $count } аккаунтов
}

nav-claim = Зарегистрировать аккаунт
home-start = Зарегистрироваться по коду

claim-title = Регистрация аккаунта
claim-lead = Укажите платформу, свой аккаунт и код, который показала платформа.
field-platform = Платформа
field-account = Ваш аккаунт
hint-account = Имя пользователя (например, @qazaq_news) или номер аккаунта, который показала платформа.
field-claim_code = Код
hint-claim_code = 12 букв и цифр, например 7KQ2-M9XD-4TVA.
claim-submit = Продолжить
claim-rejected = Не удалось принять этот код. Проверьте платформу, аккаунт и код; если срок кода истёк или он заменён, попросите у платформы новый.
claim-rate-limited = Слишком много попыток. Подождите несколько минут и попробуйте снова.
claim-expired = Срок регистрации истёк или она уже завершена. Начните заново с кодом.
claim-start-again = Начать заново
form-expired-title = Срок формы истёк
form-expired = В целях безопасности срок этой формы истёк. Откройте её снова и отправьте ещё раз.
form-errors = Исправьте, пожалуйста, отмеченные поля.
busy-title = Попробуйте чуть позже
busy = Сейчас регистрируется много людей. Ничего не сохранено; отправьте форму ещё раз через минуту.

identify-title = Идентификация
identify-lead = Аккаунт:
identify-choose = Кому принадлежит аккаунт?
identify-change-type = изменить
identify-submit = Отправить
owner-resident = Резиденту Казахстана
owner-non_resident = Физическому лицу — нерезиденту
owner-legal_entity = Юридическому лицу
field-optional = необязательно
field-iin = ИИН
field-bin = БИН
field-document_type = Вид документа
field-document_number = Номер документа
field-country = Страна выдачи
field-surname = Фамилия
field-given_name = Имя
field-patronymic = Отчество
field-legal_name = Зарегистрированное наименование
field-birth_date = Дата рождения
field-email = Контактный e-mail
field-consent = Подтверждаю, что данные верны, и согласен на их обработку для реестра, как описано на странице «О реестре».
hint-iin = 12 цифр.
hint-bin = 12 цифр.
hint-country = Двухбуквенный код, например DE, RU или CN.
hint-birth_date = Например, 1990-02-28.
doc-passport = Паспорт
doc-id_card = Удостоверение личности
doc-residence_permit = Вид на жительство
error-required = Заполните это поле.
error-iin = Это не действительный ИИН: проверьте 12 цифр.
error-bin = Это не действительный БИН: проверьте 12 цифр.
error-document_number = Используйте от 4 до 20 латинских букв и цифр.
error-country = Укажите двухбуквенный код страны, например DE.
error-name = Только буквы (дефисы, апострофы и пробелы допустимы).
error-birth_date = Укажите настоящую дату в прошлом, после 1900 года.
error-email = Укажите адрес вида name@example.kz.
error-consent = Подтвердите, чтобы продолжить.

receipt-title = Ваш аккаунт зарегистрирован
receipt-lead = Сохраните эти данные: они нужны, чтобы видеть свою запись.
receipt-reference = Номер записи
receipt-key = Ключ управления
receipt-key-warning = Ключ показывается только сейчас и не может быть восстановлен. Запишите его или сохраните в надёжном месте.
receipt-linked = Аккаунт добавлен к вашей существующей записи. Используйте ключ управления, полученный в первый раз.

nav-my = Моя запись
my-title = Моя запись
my-sign-in-lead = Войдите с номером записи и ключом управления из квитанции.
field-reference = Номер записи
hint-reference = Например, R-6BFR-3AEK-KSDA-EJYS.
field-management_key = Ключ управления
my-sign-in-submit = Войти
my-sign-in-rejected = Номер записи или ключ управления указаны неверно.
my-accounts-title = Ваши аккаунты
my-col-account = Аккаунт
my-withdrawn = Отозван
my-withdraw = Отозвать
my-deleted-on = Сейчас ни одному аккаунту регистрация не нужна: ваши данные будут удалены { $date }, если до этого она снова не понадобится одному из ваших аккаунтов.
my-withdraw-explained = Вы можете отозвать аккаунт, которому регистрация больше не нужна. Когда ни одному аккаунту регистрация не нужна, данные удаляются по истечении срока хранения.
my-withdraw-done = Аккаунт отозван из вашей записи.
my-withdraw-refused = Этот аккаунт нельзя отозвать: отозвать можно только аккаунт, которому регистрация больше не нужна.
my-email-title = Контактный e-mail
my-email-submit = Изменить e-mail
my-email-changed = Контактный e-mail изменён.
my-disclosures-title = Раскрытия ваших данных
my-disclosures-count = { $count ->
    [0] Ваши данные никому не раскрывались.
    [one] Ваши данные раскрывались { $count } раз.
    [few] Ваши данные раскрывались { $count } раза.
   *[many] Ваши данные раскрывались { $count } раз.
}
my-sign-out = Выйти
my-col-date = Дата
my-col-authority = Орган
my-col-basis = Правовое основание
basis-court_decision = Решение суда
basis-criminal_investigation = Уголовное расследование
basis-prosecutor_request = Запрос прокурора
basis-administrative_case = Административное дело
transparency-requests-title = Запросы должностных лиц на раскрытие
transparency-requests-none = Запросов на раскрытие не было.
transparency-col-month = Месяц
transparency-col-outcome = Итог
transparency-col-requests = Запросы
outcome-pending = Ожидает решения
outcome-approved = Одобрен
outcome-denied = Отклонён
outcome-expired = Истёк
transparency-median-none = Решений по запросам ещё не было.
transparency-median-minutes = Медианное время от запроса до решения: { $count } { $count ->
    [one] минута
    [few] минуты
   *[other] минут
}.
transparency-median-hours = Медианное время от запроса до решения: { $count } { $count ->
    [one] час
    [few] часа
   *[other] часов
}.
transparency-checkpoint-title = Подписанная контрольная точка журнала аудита
transparency-checkpoint-lead = Количества запросов выше посчитаны в этой подписанной точке журнала аудита. Любой может сохранить копию: если журнал когда-либо изменят, она перестанет совпадать.
transparency-checkpoint-none = Журнал аудита пуст: подписывать пока нечего.
transparency-checkpoint-seq = Запись журнала
transparency-checkpoint-signed-at = Подписано
transparency-checkpoint-hash = Хеш цепочки (SHA-256)
transparency-checkpoint-key = Открытый ключ (Ed25519)
transparency-checkpoint-signature = Подпись

# Regulator pages (/regulator)
reg-title = Реестр: доступ регулятора
reg-footer = Для должностных лиц уполномоченных органов. Каждый вход, запрос, решение и раскрытие записываются в защищённый от изменений журнал.
reg-login-title = Вход
reg-login-lead = Должностные лица входят с паролем и шестизначным кодом из приложения-аутентификатора.
reg-field-username = Имя пользователя
reg-field-password = Пароль
reg-field-totp = Код
reg-hint-totp = Шесть цифр из приложения-аутентификатора; каждый код действует один раз.
reg-login-submit = Войти
reg-login-rejected = Имя пользователя, пароль или код неверны.
reg-login-locked = Слишком много неудачных попыток: учётная запись заблокирована на 15 минут.
reg-requests-title = Запросы на доступ
reg-requests-none = Запросов пока нет.
reg-new-request = Новый запрос
reg-new-request-lead = Запрашивайте только те данные, которые нужны для дела. Решение принимает другое должностное лицо; владелец будет уведомлён, если решение не отложит уведомление.
reg-sign-out = Выйти
reg-col-number = №
reg-col-filed = Подан
reg-col-state = Состояние
reg-target = Чьи данные
reg-target-account = Один аккаунт на платформе
reg-target-identifier = Все аккаунты одного лица по идентификатору
reg-target-by-iin = Все аккаунты лица с указанным ИИН
reg-target-by-bin = Все аккаунты организации с указанным БИН
reg-target-by-document = Все аккаунты лица с указанным документом
reg-field-account_ref = Идентификатор аккаунта на платформе
reg-field-identifier_type = Идентификатор
reg-field-identifier = Номер идентификатора
reg-basis-document = Документ-основание
reg-field-basis_number = Номер
reg-field-basis_date = Дата
reg-field-basis_issuer = Кем выдан
reg-field-justification = Обоснование
reg-hint-justification = Не менее 50 символов: зачем для дела нужна личность этого человека.
reg-fields = Запрашиваемые данные
reg-submit-request = Подать запрос
reg-error-target = Проверьте, чьи данные: платформа и идентификатор аккаунта или идентификатор лица недействительны.
reg-error-legal_basis = Выберите правовое основание.
reg-error-basis_document = Проверьте документ-основание: номер, дату (не в будущем) и кем он выдан.
reg-error-justification = Обоснование должно содержать от 50 до 4000 символов.
reg-error-fields = Выберите хотя бы один вид данных.
reg-error-reason = Укажите причину длиной до 2000 символов.
reg-error-notify_owner_after = Уведомление владельца можно отложить не более чем на 180 дней и не на прошедшую дату.
reg-request-title = Запрос № { $count }
reg-decision-title = Решение
reg-approve = Одобрить
reg-deny = Отклонить
reg-field-reason = Причина
reg-field-notify_owner_after = Уведомить владельца (необязательно)
reg-hint-notify_owner_after = Оставьте пустым, чтобы уведомить владельца сразу. Не более 180 дней вперёд.
reg-submit-decision = Записать решение
reg-openings = Открыто { $count } из 3 разрешённых раз.
reg-open-disclosure = Открыть раскрытие
reg-disclosure-title = Раскрытие
reg-disclosure-lead = Это открытие записано в журнал аудита и будет показано владельцу. Копируйте только то, что нужно для дела.
reg-col-field = Данные
reg-col-value = Значение
reg-accounts-title = Аккаунты этого лица
reg-problem-forbidden = Ваша роль этого не позволяет, и никто не решает по собственному запросу.
reg-problem-not_found = Такого запроса нет, или он вам недоступен.
reg-problem-daily_limit_reached = Вы достигли дневного лимита; отказ записан в журнал аудита.
reg-problem-data_deleted = Данные удалены по правилам хранения { $date }.
reg-problem-busy = Сервис занят: повторите через минуту.
reg-problem-already_decided = По запросу уже принято решение.
reg-problem-not_approved = Запрос не одобрен.
reg-problem-approval_expired = Срок одобрения истёк: подайте новый запрос.
reg-problem-openings_used = Раскрытие открыто максимально допустимое число раз.

## Письма владельцам. Никогда не содержат идентификатор, имя, код привязки или ключ управления.
mail-footer = Реестр анонимных аккаунтов. Это письмо отправлено автоматически; ответы не читаются.
mail-contact-changed-subject = Ваш контактный e-mail изменён
mail-contact-changed-body =
    Контактный e-mail вашей записи в реестре изменён { $date }. Теперь мы пишем на новый адрес.

    Если это сделали не вы, войдите и верните прежний адрес или замените ключ управления, если он мог попасть к кому-то ещё:

    { $link }
